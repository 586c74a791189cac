"""A local report worker process: ``python -m bankperf_analysis.runner.worker_process FD``.

The local pool (:class:`bankperf_analysis.runner.pool.LocalPool`) starts its workers with
this command over a socket pair (``FD`` is the worker's end), not with
:mod:`multiprocessing`'s ``spawn``, which re-imports the calling script as ``__main__`` in
every worker: a script that calls ``build_reports`` at module level, without an
``if __name__ == "__main__":`` guard, would then fail every report. Here the worker imports
only this package.

The worker receives :class:`~bankperf_analysis.runner.worker.ReportTask` objects, sends back
:class:`~bankperf_analysis.runner.worker.TaskOutcome` objects, and stops at ``None`` or when
the socket closes. If its parent dies (kill -9), it kills its kernel, removes its private
runtime folder (the kernel connection files) and exits.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence

__all__ = ["main"]


def _watch_parent(parent: int, worker) -> None:
    """Exit, cleaning up, as soon as the parent process is gone (it was killed)."""
    from bankperf_analysis.runner.kernels import remove_runtime_dir

    while os.getppid() == parent:
        time.sleep(0.5)
    kernel = worker.kernel
    if kernel is not None:
        kernel.abandon()
    remove_runtime_dir()
    os._exit(70)


def main(argv: Sequence[str] | None = None) -> int:
    """Serve tasks on the socket whose file descriptor is ``argv[0]``; return the exit code."""
    from multiprocessing.connection import Connection

    from bankperf_analysis.runner._imports import skip_unused_format_checker

    skip_unused_format_checker()  # before papermill imports jsonschema
    from bankperf_analysis.runner.kernels import remove_runtime_dir
    from bankperf_analysis.runner.worker import ReportWorker

    args = list(sys.argv[1:] if argv is None else argv)
    conn = Connection(int(args[0]))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C

    def _term(signum, frame):
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, _term)
    # nbclient logs "Timeout waiting for execute reply" etc. through papermill's logger;
    # the parent reports every failure itself, so keep the terminal quiet.
    logging.getLogger("papermill").setLevel(logging.CRITICAL)
    worker = ReportWorker()
    threading.Thread(target=_watch_parent, args=(os.getppid(), worker), daemon=True).start()
    try:
        while True:
            try:
                task = conn.recv()
            except (EOFError, OSError):
                break
            if task is None:
                break
            conn.send(worker.run(task))
    finally:
        worker.close()
        remove_runtime_dir()
        conn.close()
    return 0


if __name__ == "__main__":  # pragma: no cover - the pool's worker command
    sys.exit(main())
