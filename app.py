"""Web app: ``python app.py [--host 127.0.0.1] [--port 7860] [--index DIR] [--corpus DIR] [--backend llama]``.

Serves the Gradio UI at once; in the background it builds or updates the index for the
corpus when it is missing or stale, then loads the assistant (status shown in the UI).
"""
from __future__ import annotations

import argparse
import os
import sys

from settings import DEFAULT_CORPUS, DEFAULT_INDEX


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(prog="python app.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s, local only)")
    p.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", 7860)),
                   help="port (default: %(default)s)")
    p.add_argument("--index", default=str(DEFAULT_INDEX), help="index folder (default: %(default)s)")
    p.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="corpus folder (default: the bundled report)")
    p.add_argument("--backend", choices=("llama", "transformers"), default=None,
                   help="LLM backend (default: from settings, llama)")
    p.add_argument("--config", help="TOML settings file (default: rag.toml in the project, if present)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Start loading in the background and serve the UI until interrupted."""
    args = parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from settings import load_config
    from webapp.state import AppState
    from webapp.ui import build_ui, launch

    cfg = load_config(args.config)
    state = AppState(args.index, args.corpus, cfg, backend=args.backend or cfg.llm.backend)
    state.start_in_background()
    print(f"serving on http://{args.host}:{args.port} (index and model load in the background)", file=sys.stderr)
    launch(build_ui(state), host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
