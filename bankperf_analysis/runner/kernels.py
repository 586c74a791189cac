"""Kernels of the runner: long-lived IPython kernels and the papermill engine that uses them.

* :class:`PooledKernel` is one started IPython kernel that runs report after report:
  between reports its user namespace is reset (``%reset -f``, figures closed,
  rcParams / warnings filters / environment / ``sys.path`` restored, ``gc``); after
  ``max_reports`` reports, a failure or a timeout it is replaced.
* ``BankperfEngine`` (:func:`ensure_engine`) is a papermill engine (registered as
  ``"bankperf"``) that hands nbclient the already started kernel, so papermill's
  parameter injection, per-cell timeout and error handling stay papermill's own.
* A kernel's connection file holds the HMAC key that lets anyone drive it. Each process
  writes its kernels' files into its own private folder (:func:`private_runtime_dir`,
  mode 0700, under Jupyter's runtime folder), removes each file when its kernel stops and
  the folder when it is done; the folders of processes that died (kill -9) are removed by
  the next run on the machine and by the local pool when a worker dies.

:mod:`bankperf_analysis.runner.worker` drives them, one report at a time.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import random
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

__all__ = [
    "ENGINE_NAME",
    "DEFAULT_PRELOAD",
    "KernelStartError",
    "KernelOptions",
    "PooledKernel",
    "ExecState",
    "ensure_engine",
    "private_runtime_dir",
    "remove_runtime_dir",
    "remove_runtime_dirs_of",
]

ENGINE_NAME = "bankperf"
CURRENT_ENV_KERNEL = "bankperf-current-env"
#: Imported once when a kernel starts. Not seaborn: the report style needs none of it
#: (:mod:`bankperf_analysis.plots._theme`), and it brings statsmodels: about 33 MB more in every
#: kernel of a branch batch, which never imports it. A notebook that draws with seaborn imports
#: it once per kernel.
DEFAULT_PRELOAD = ("pandas", "matplotlib.pyplot")

# Code run once in a new kernel: import the usual libraries, then snapshot the state
# that a report may change so that the reset can restore it.
_BOOT = r"""
def _bankperf_boot(preload):
    import copy, os, sys, types, warnings
    st = types.ModuleType("_bankperf_kernel_state")
    sys.modules["_bankperf_kernel_state"] = st
    for name in preload:
        try:
            __import__(name)
        except Exception:
            pass
    st.environ = dict(os.environ)
    st.path = list(sys.path)
    st.filters = list(warnings.filters)
    st.rc = None
    if "matplotlib" in sys.modules:
        st.rc = copy.deepcopy(dict(sys.modules["matplotlib"].rcParams))
    # Objects of the preloaded libraries live as long as the kernel: move them out of
    # the collector's reach so the collections of every reset stay cheap.
    import gc
    gc.collect()
    gc.freeze()

    def reset(cwd):
        from IPython import get_ipython
        ip = get_ipython()
        ip.run_line_magic("reset", "-f")  # also collects garbage (displayhook.flush)
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")
        if "matplotlib" in sys.modules:
            mpl = sys.modules["matplotlib"]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if st.rc is not None:
                    mpl.rcParams.update(st.rc)
                else:
                    mpl.rc_file_defaults()
        warnings.resetwarnings()
        warnings.filters[:] = st.filters
        os.environ.clear()
        os.environ.update(st.environ)
        sys.path[:] = st.path
        if cwd and os.path.isdir(cwd):
            os.chdir(cwd)
        ip.execution_count = 1
        # What survived the reset's collections lives as long as the kernel (the modules a
        # report imported, the shared frames it cached): frozen, so that the next reset's
        # collections scan only what one report made (25 -> 5 ms per report). A cycle among
        # them that dies later is kept until the kernel is replaced (max_reports).
        gc.freeze()

    st.reset = reset

_bankperf_boot({preload!r})
del _bankperf_boot
"""
_RESET = '__import__("sys").modules["_bankperf_kernel_state"].reset({cwd!r})'


class KernelStartError(RuntimeError):
    """A kernel could not be started (after retries)."""


@dataclass(frozen=True, slots=True)
class KernelOptions:
    """How workers start and recycle kernels (picklable, sent with every task)."""

    kernel_name: str | None = None
    startup_timeout: float = 60.0
    start_retries: int = 3
    max_reports: int = 50
    preload: tuple[str, ...] = DEFAULT_PRELOAD


# --------------------------------------------------------------------------- runtime folder

_RUNTIME_PREFIX = "bankperf-"
_RUNTIME_NAME = re.compile(r"^bankperf-(?P<host>[A-Za-z0-9_]+)-(?P<pid>[0-9]+)-[A-Za-z0-9_]+$")
_RUNTIME_DIRS: dict[int, Path] = {}
_RUNTIME_LOCK = threading.Lock()


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", socket.gethostname()) or "host"


def _runtime_base() -> Path:
    from jupyter_core.paths import jupyter_runtime_dir

    return Path(jupyter_runtime_dir())


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def private_runtime_dir() -> Path:
    """The calling process's private folder for kernel connection files (mode 0700, made on first use).

    Folders left by processes of this machine that no longer run are removed first.
    """
    with _RUNTIME_LOCK:
        pid = os.getpid()
        folder = _RUNTIME_DIRS.get(pid)
        if folder is not None and folder.is_dir():
            return folder
        base = _runtime_base()
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
        _remove_dead_runtime_dirs(base)
        folder = Path(tempfile.mkdtemp(prefix=f"{_RUNTIME_PREFIX}{_host()}-{pid}-", dir=base))
        _RUNTIME_DIRS[pid] = folder
        atexit.register(remove_runtime_dir)  # a process that started kernels itself (tests, Dask)
        return folder


def remove_runtime_dir() -> None:
    """Remove this process's private runtime folder and any connection file left in it."""
    with _RUNTIME_LOCK:
        folder = _RUNTIME_DIRS.pop(os.getpid(), None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def remove_runtime_dirs_of(pid: int) -> None:
    """Remove the private runtime folders of process ``pid`` of this machine (a worker that died)."""
    with contextlib.suppress(OSError):
        for entry in _runtime_base().iterdir():
            m = _RUNTIME_NAME.match(entry.name)
            if m and m["host"] == _host() and int(m["pid"]) == pid:
                shutil.rmtree(entry, ignore_errors=True)


def _remove_dead_runtime_dirs(base: Path) -> None:
    with contextlib.suppress(OSError):
        for entry in base.iterdir():
            m = _RUNTIME_NAME.match(entry.name)
            if m and m["host"] == _host() and not _pid_alive(int(m["pid"])):
                shutil.rmtree(entry, ignore_errors=True)


# --------------------------------------------------------------------------- kernels


def _spec_manager():
    """Kernel spec manager that also knows ``bankperf-current-env``: this interpreter."""
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

    class _CurrentEnvSpecManager(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):  # noqa: D102
            if kernel_name == CURRENT_ENV_KERNEL:
                return KernelSpec(
                    argv=[
                        sys.executable,
                        "-Xfrozen_modules=off",
                        "-m",
                        "ipykernel_launcher",
                        "-f",
                        "{connection_file}",
                    ],
                    display_name="Python (bankperf, current environment)",
                    language="python",
                    metadata={},
                )
            return super().get_kernel_spec(kernel_name)

    return _CurrentEnvSpecManager()


def _kill_tree(pid: int | None, pgid: int | None = None) -> None:
    """Kill a kernel and its children (it runs in its own session / process group)."""
    if not pid:
        return
    if pgid and hasattr(os, "killpg") and pgid != os.getpgid(0):
        with contextlib.suppress(OSError):
            os.killpg(pgid, signal.SIGKILL)
    try:
        import psutil

        proc = psutil.Process(pid)
        procs = [*proc.children(recursive=True), proc]
        for p in procs:
            with contextlib.suppress(psutil.Error):
                p.kill()
        psutil.wait_procs(procs, timeout=5)
    except Exception:  # noqa: BLE001 - already gone
        pass


class PooledKernel:
    """One IPython kernel that runs many reports; driven from the thread that started it."""

    def __init__(
        self, options: KernelOptions, cwd: str | None, while_starting: Callable[[], None] | None = None
    ):
        self.options = options
        self._while_starting = while_starting
        self.km: Any = None  # jupyter_client AsyncKernelManager, once started
        self.kc: Any = None  # its AsyncKernelClient
        self.reports_run = 0
        self.pid: int | None = None
        self.pgid: int | None = None
        self._stderr: IO[bytes] | None = None
        self._start(cwd)

    @property
    def papermill_kernel_name(self) -> str:
        """The kernel name papermill records in the executed notebook."""
        return self.options.kernel_name or "python3"

    def _start(self, cwd: str | None) -> None:
        from jupyter_client import AsyncKernelManager
        from nbclient.util import run_sync

        opts = self.options
        env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1", "JPY_PARENT_PID": str(os.getpid())}
        env.pop("MPLBACKEND", None)  # the kernel picks the inline backend itself
        # Arrow's own pool (mimalloc) keeps what a report's reads freed: about 120 MB more per
        # kernel than the system allocator once the shared frames are read (measured on the
        # 1,000-branch bank: 527 against 406 MB), and two kernels run side by side. A user's
        # own choice of pool stands.
        env.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
        last: BaseException | None = None
        for attempt in range(max(1, opts.start_retries)):
            self._stderr = tempfile.TemporaryFile(prefix="bankperf-kernel-", suffix=".log")
            km = AsyncKernelManager(
                kernel_name=opts.kernel_name or CURRENT_ENV_KERNEL,
                kernel_spec_manager=_spec_manager(),
                # not jupyter_client's default (a file in the system temp folder)
                connection_file=str(private_runtime_dir() / f"kernel-{uuid.uuid4().hex}.json"),
            )
            kc = None
            try:
                run_sync(km.start_kernel)(
                    cwd=cwd if cwd and os.path.isdir(cwd) else None,
                    env=env,
                    # No IPython history database: concurrent kernels sharing its sqlite file
                    # print "ERROR! Session/line number was not unique..." into a report.
                    extra_arguments=["--HistoryManager.enabled=False"],
                    stdout=self._stderr,
                    stderr=self._stderr,
                )
                self.pid = getattr(km.provisioner, "pid", None)
                self.pgid = getattr(km.provisioner, "pgid", None)
                if self._while_starting is not None:  # overlap our imports with the kernel's
                    self._while_starting()
                    self._while_starting = None
                kc = km.client()
                kc.start_channels()
                run_sync(kc.wait_for_ready)(timeout=opts.startup_timeout)
                self.km, self.kc = km, kc
                self._run(_BOOT.format(preload=tuple(opts.preload)), opts.startup_timeout + 60)
                return
            except Exception as exc:  # noqa: BLE001 - port collision, slow start: retry
                last = exc
                self.km, self.kc = None, None
                if kc is not None:
                    with contextlib.suppress(Exception):
                        kc.stop_channels()
                _kill_tree(getattr(km.provisioner, "pid", None), getattr(km.provisioner, "pgid", None))
                with contextlib.suppress(Exception):
                    os.unlink(km.connection_file)
                if attempt + 1 < opts.start_retries:  # back off, with jitter against herds
                    time.sleep(0.5 * 2**attempt + random.Random().uniform(0, 0.5))
        log = self._log_tail()
        raise KernelStartError(
            f"The kernel did not start after {opts.start_retries} attempt(s): {last!r}"
            + (f"\nkernel log:\n{log}" if log else "")
        )

    def _log_tail(self, n: int = 2000) -> str:
        if self._stderr is None:
            return ""
        with contextlib.suppress(Exception):
            self._stderr.seek(0, os.SEEK_END)
            size = self._stderr.tell()
            self._stderr.seek(max(0, size - n))
            return self._stderr.read().decode("utf-8", "replace").strip()
        return ""

    def _run(self, code: str, timeout: float) -> None:
        """Execute ``code`` silently in the kernel and wait for its reply."""
        from nbclient.util import run_sync

        async def _go():
            msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
            deadline = time.monotonic() + timeout
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"kernel did not answer within {timeout} s")
                msg = await self.kc.get_shell_msg(timeout=remaining)
                if msg["parent_header"].get("msg_id") == msg_id:
                    content = msg["content"]
                    if content.get("status") != "ok":
                        raise RuntimeError(f"{content.get('ename')}: {content.get('evalue')}")
                    return

        run_sync(_go)()

    def reset(self, cwd: str | None) -> None:
        """Clear the user namespace and restore the state snapshotted at boot."""
        self._run(_RESET.format(cwd=cwd or ""), 60)

    def alive(self) -> bool:
        """True while the kernel process runs (not a zombie)."""
        if self.pid is None:
            return False
        try:
            import psutil

            p = psutil.Process(self.pid)
            return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
        except Exception:  # noqa: BLE001
            return False

    def kill_process(self) -> None:
        """Kill the kernel process tree; safe from any thread (used by the report watchdog)."""
        _kill_tree(self.pid, self.pgid)

    def close(self) -> None:
        """Stop the kernel and release its channels and files (from the owning thread)."""
        self.kill_process()
        if self.kc is not None:
            with contextlib.suppress(Exception):
                self.kc.stop_channels()
        self.abandon()

    def abandon(self) -> None:
        """Kill the kernel and remove its connection file; safe from any thread (no channel is touched)."""
        self.kill_process()
        if self.km is not None:
            with contextlib.suppress(Exception):
                os.unlink(self.km.connection_file)
        if self._stderr is not None:
            with contextlib.suppress(Exception):
                self._stderr.close()
        self.km = self.kc = None
        self.pid = None


# --------------------------------------------------------------------------- papermill engine


@dataclass(slots=True)
class ExecState:
    """What the engine hands back while a notebook runs: client, notebook, finished flag."""

    client: Any = None
    nb_man: Any = None
    finished: bool = False


def _engine_class():
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    class _TrackingClient(PapermillNotebookClient):
        """Papermill's client that remembers which cell is running (for timeouts)."""

        current_index: int | None = None

        def execute_cell(self, cell, cell_index, *args, **kwargs):  # noqa: D102
            self.current_index = cell_index
            return super().execute_cell(cell, cell_index, *args, **kwargs)

    class BankperfEngine(NBClientEngine):
        """Papermill engine that runs the notebook on an already started kernel.

        Pass ``bankperf_kernel=<PooledKernel>`` through ``papermill.execute_notebook``;
        without it the engine behaves exactly like papermill's ``nbclient`` engine.
        """

        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man,
            kernel_name,
            log_output=False,
            stdout_file=None,
            stderr_file=None,
            start_timeout=60,
            execution_timeout=None,
            **kwargs,
        ):
            kernel = kwargs.pop("bankperf_kernel", None)
            state = kwargs.pop("bankperf_state", None)
            if kernel is None:
                return super().execute_managed_notebook(
                    nb_man,
                    kernel_name,
                    log_output=log_output,
                    stdout_file=stdout_file,
                    stderr_file=stderr_file,
                    start_timeout=start_timeout,
                    execution_timeout=execution_timeout,
                    **kwargs,
                )
            kwargs = remove_args(["input_path"], **kwargs)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(
                safe_kwargs,
                timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            client = _TrackingClient(nb_man, km=kernel.km, **final_kwargs)
            client.kc = kernel.kc  # reuse the started client: no new channels per report
            if state is not None:
                state.client, state.nb_man = client, nb_man
            return client.execute()

    return BankperfEngine


_ENGINE_LOCK = threading.Lock()


def ensure_engine() -> None:
    """Register the ``bankperf`` papermill engine (idempotent)."""
    from papermill.engines import papermill_engines

    with _ENGINE_LOCK:
        if ENGINE_NAME not in papermill_engines._engines:
            papermill_engines.register(ENGINE_NAME, _engine_class())
