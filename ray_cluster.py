"""Connecting to Ray for the ``--ray`` options, and spreading work over a pool of actors.

Imported only when ``--ray`` is given (``index/ray_embed.py``, ``assistant/batch/ray_batch.py``); ``ray``
itself is imported inside :func:`connect`, so nothing else in the project needs it installed.

Addresses: ``local`` starts a Ray instance inside this process's session (this machine's CPUs,
stopped when the command ends); ``auto`` joins the cluster this machine joined with ``ray start``
(or ``$RAY_ADDRESS``); ``HOST:PORT`` joins the cluster whose head listens there. On a cluster the
project's code travels with the job (Ray ``working_dir``, the project folder without what
``.gitignore`` excludes), so the other machines need only the same Python packages
(``pip install -r requirements.txt``); files the workers read (an index for the batch) must be at
the same absolute path on every machine (shared storage).
"""
from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence

from errors import RagError
from settings import PROJECT_ROOT

PROBE_TIMEOUT_S = 5.0
INSTALL_HINT = "pip install -r requirements.txt (it pins ray==2.60.0)"


class RayUnavailable(RagError, RuntimeError):
    """``--ray`` was given but Ray is not installed, no cluster answers, or it is too small for the job."""


class RayJobError(RagError, RuntimeError):
    """A Ray worker failed in a way that stops the job (e.g. its model could not be loaded)."""


def _import_ray():
    try:
        import ray
    except ImportError as exc:
        raise RayUnavailable(f"--ray needs the package ray, which is not installed ({exc}); {INSTALL_HINT}") from exc
    return ray


def _probe(address: str) -> None:
    """Fail fast when nothing listens at HOST:PORT (ray.init would retry for minutes)."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise RayUnavailable(f"--ray {address!r}: give local, auto or HOST:PORT of the cluster's head "
                             "(the address `ray start --head` prints)")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=PROBE_TIMEOUT_S):
            pass
    except OSError as exc:
        raise RayUnavailable(f"no Ray cluster reachable at {address} ({exc}); start one with `ray start --head` on "
                             "that machine, or use --ray local to run on this machine only") from exc


def _resolve(address: str) -> str:
    """HOST:PORT of the cluster to join ('auto' resolved as Ray does: $RAY_ADDRESS, then `ray start`)."""
    if address.startswith("ray://"):
        raise RayUnavailable(f"--ray {address}: Ray Client addresses are not supported; run the command on a machine "
                             "of the cluster (joined with `ray start --address …`) with --ray auto, or give HOST:PORT")
    if address != "auto":
        return address
    try:
        from ray._private.services import canonicalize_bootstrap_address
    except ImportError:  # a later Ray moved it: let ray.init find the cluster itself
        return address
    try:
        resolved = canonicalize_bootstrap_address("auto")
    except (ConnectionError, ValueError) as exc:
        raise RayUnavailable(f"--ray auto: no Ray cluster on this machine ({exc}); start one with `ray start --head` "
                             "(or join one with `ray start --address HEAD:6379`), give --ray HOST:PORT, or use "
                             "--ray local") from exc
    return resolved or address


def _local_runtime_env() -> dict:
    path = os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {"env_vars": {"PYTHONPATH": path}}


def _cluster_runtime_env() -> dict:
    return {"working_dir": str(PROJECT_ROOT), "excludes": ["/index/data", "/data", "/bench/out", "/eval/out"]}


def connect(address: str = "local", num_cpus: int | None = None):
    """The ``ray`` module, connected (an already initialised Ray is reused as it is).

    Raises :class:`RayUnavailable` when ray is missing or no cluster answers at ``address``.
    """
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # an offline tool: Ray sends no usage reports
    ray = _import_ray()
    if ray.is_initialized():
        return ray
    common = {"include_dashboard": False, "log_to_driver": False, "configure_logging": True,
              "logging_level": "warning"}
    try:
        if address == "local":
            ray.init(address="local", num_cpus=num_cpus, runtime_env=_local_runtime_env(), **common)
        else:
            target = _resolve(address)
            if target != "auto":
                _probe(target)
            # "auto" stays "auto": only then does Ray itself use this machine's token (~/.ray/auth_token)
            ray.init(address="auto" if address == "auto" else target, runtime_env=_cluster_runtime_env(), **common)
    except RayUnavailable:
        raise
    except (ConnectionError, TimeoutError, RuntimeError, ValueError) as exc:
        hint = "" if address == "local" else (
            "; if the cluster uses token authentication (Ray's default), this machine needs the head's token: copy the "
            "head's ~/.ray/auth_token here (or set RAY_AUTH_TOKEN), and with --ray HOST:PORT also set RAY_AUTH_MODE=token")
        raise RayUnavailable(f"cannot start or join Ray at {address!r}: {exc}{hint}") from exc
    return ray


def cluster_cpus(ray) -> int:
    """Logical CPUs of the connected cluster (all its nodes)."""
    return int(ray.cluster_resources().get("CPU", 0))


def check_room(ray, workers: int, cpus_each: float, what: str) -> None:
    """Refuse a pool the cluster cannot place (its actors would wait forever)."""
    total = cluster_cpus(ray)
    if workers < 1:
        raise RayUnavailable(f"--workers must be at least 1 (got {workers})")
    if workers * cpus_each > total:
        raise RayUnavailable(f"{workers} {what} need {workers * cpus_each:g} CPUs but the Ray cluster has {total}; "
                             "use fewer --workers or add machines (`ray start --address …`)")


def start_actors(ray, cls: type, args: tuple, workers: int, cpus_each: float, what: str) -> list:
    """``workers`` actors of ``cls(*args)`` spread over the nodes; returns once each has started.

    A worker whose constructor fails (a missing model, an index not on shared storage…) stops the
    job with :class:`RayJobError` and its message; the other workers are killed.
    """
    check_room(ray, workers, cpus_each, what)
    remote = ray.remote(cls).options(num_cpus=cpus_each, scheduling_strategy="SPREAD")
    actors = [remote.remote(*args) for _ in range(workers)]
    try:
        ray.get([a.ready.remote() for a in actors])
    except ray.exceptions.RayError as exc:
        stop_actors(ray, actors)
        raise RayJobError(f"one of the {what} on Ray could not start: {cause(exc)}") from exc
    except BaseException:
        stop_actors(ray, actors)
        raise
    return actors


def stop_actors(ray, actors: Iterable) -> None:
    """Kill actors (their processes end; what they held is freed)."""
    for a in actors:
        try:
            ray.kill(a)
        except Exception:  # noqa: BLE001 — already dead or disconnected
            pass


def cause(exc: BaseException) -> str:
    """The useful line of a Ray error (the remote exception's own message when there is one)."""
    cause = getattr(exc, "cause", None)
    if isinstance(cause, BaseException):
        return f"{type(cause).__name__}: {cause}"
    text = str(exc).strip().splitlines()
    return text[-1] if text else type(exc).__name__


def as_completed(ray, actors: Sequence, call: Callable, items: Sequence, per_actor: int = 2,
                 ahead: int | None = None) -> Iterator[tuple[int, object]]:
    """Spread ``items`` over ``actors`` and yield ``(index, result)`` as tasks finish (any order).

    ``call(actor, item)`` submits one task and returns its ObjectRef. At most ``per_actor``
    tasks wait on each actor, and no item more than ``ahead`` places after the oldest unfinished
    one is submitted (a slow item does not let the others run away from it). A task that raised
    or whose actor died yields the Ray error as its result; a dead actor gets no more items, and
    when every actor is dead with items left, :class:`RayJobError` is raised. Closing the
    generator cancels what is still queued.
    """
    load = [0] * len(actors)
    dead: set[int] = set()
    pending: dict = {}  # ObjectRef -> (index, actor number)
    unfinished: set[int] = set()
    nxt = 0
    try:
        while True:
            while nxt < len(items) and (ahead is None or not unfinished or nxt - min(unfinished) < ahead):
                free = [i for i in range(len(actors)) if i not in dead and load[i] < per_actor]
                if not free:
                    break
                a = min(free, key=load.__getitem__)
                pending[call(actors[a], items[nxt])] = (nxt, a)
                unfinished.add(nxt)
                load[a] += 1
                nxt += 1
            if not pending:
                if nxt < len(items):
                    raise RayJobError(f"every Ray worker died; {len(items) - nxt} item(s) were not done "
                                      "(Ray's logs: /tmp/ray/session_latest/logs)")
                return
            (ref,), _ = ray.wait(list(pending), num_returns=1)
            index, a = pending.pop(ref)
            load[a] -= 1
            unfinished.discard(index)
            try:
                result = ray.get(ref)
            except ray.exceptions.RayActorError as exc:  # the worker process is gone: no more work for it
                dead.add(a)
                result = exc
            except ray.exceptions.RayError as exc:
                result = exc
            yield index, result
    finally:
        for ref in pending:
            try:
                ray.cancel(ref)
            except Exception:  # noqa: BLE001 — finished or gone meanwhile
                pass


def describe(ray) -> dict:
    """What the manifest / report records about the cluster a job ran on."""
    nodes = [n for n in ray.nodes() if n.get("Alive")]
    return {"ray": ray.__version__, "nodes": len(nodes), "cpus": cluster_cpus(ray)}


def note(message: str) -> None:
    """A progress line on stderr."""
    print(message, file=sys.stderr, flush=True)
