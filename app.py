"""Web app: ``python app.py [--host H] [--port N] [--index DIR] [--corpus DIR] [--uploads DIR] [--backend B]``.

Serves the Gradio UI at once; in the background it builds or updates the index for the
corpus when it is missing or stale, then loads the assistant (status shown in the UI).
Every handler (including adding and removing documents) is reachable over HTTP, so the app
refuses to listen on a non-loopback address without ``--auth USER:PASSWORD`` (or ``$RAG_AUTH``).
"""
from __future__ import annotations

import argparse
import ipaddress
import os
import sys

from settings import BACKENDS, DEFAULT_CORPUS, DEFAULT_INDEX, DEFAULT_UPLOADS, apply_process_env


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(prog="python app.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s, local only)")
    p.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", 7860)),
                   help="port (default: %(default)s)")
    p.add_argument("--index", default=str(DEFAULT_INDEX), help="index folder (default: %(default)s)")
    p.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="corpus folder (default: the bundled report)")
    p.add_argument("--uploads", default=str(DEFAULT_UPLOADS),
                   help="folder for documents uploaded in the library tab, a corpus folder of the index "
                        "(default: %(default)s)")
    p.add_argument("--backend", choices=BACKENDS, default=None,
                   help="LLM backend (default: from settings, llama)")
    p.add_argument("--config", help="TOML settings file (default: rag.toml in the project, if present)")
    p.add_argument("--auth", help="USER:PASSWORD to require a login (default: $RAG_AUTH); needed for a "
                                  "non-local --host")
    return p.parse_args(argv)


def is_loopback(host: str) -> bool:
    """Whether binding to host serves this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # another host name: it may resolve to anything
        return False


def credentials(host: str, auth: str | None) -> tuple[str, str] | None:
    """(user, password) from --auth/$RAG_AUTH; ValueError when missing for a non-loopback host or malformed."""
    if not auth:
        if is_loopback(host):
            return None
        raise ValueError(f"--host {host} serves the app (including adding and removing documents) to the "
                         "network: set a login with --auth USER:PASSWORD or $RAG_AUTH, or keep the default "
                         "--host 127.0.0.1")
    user, sep, password = auth.partition(":")
    if not (user and sep and password):
        raise ValueError("--auth / $RAG_AUTH must be USER:PASSWORD")
    return user, password


def main(argv: list[str] | None = None) -> int:
    """Start loading in the background and serve the UI until interrupted."""
    args = parse_args(argv)
    try:
        login = credentials(args.host, args.auth or os.environ.get("RAG_AUTH"))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    apply_process_env()
    from settings import load_config
    from webapp.state import AppState
    from webapp.ui import build_ui, launch

    cfg = load_config(args.config)
    state = AppState(args.index, args.corpus, cfg, backend=args.backend or cfg.llm.backend, uploads_dir=args.uploads)
    state.start_in_background()
    print(f"serving on http://{args.host}:{args.port} (index and model load in the background)", file=sys.stderr)
    launch(build_ui(state), state, host=args.host, port=args.port, max_queue=cfg.limits.max_queue, auth=login)
    return 0


if __name__ == "__main__":
    sys.exit(main())
