"""The batch's shared inputs, computed in a process of their own.

Computing the shared inputs of a whole bank's quarter (:func:`~bankperf_analysis.report.
inputs.prepare_batch`: the KPI history, the scorecards, the staffing plans) is the batch's
largest memory peak, and a Python process keeps most of its heap after such a peak.
Done in the ``bankperf report`` process itself, that memory would stay resident beside the
workers and kernels for the whole rendering. So the inputs are computed in a child process
(started as ``python -m bankperf_analysis.runner.prepare_process``, never by re-importing
the caller's script, which may lack a ``__main__`` guard); its memory is returned to the
system when it ends.

The child reads the dataset without validating it again (the batch validated it a moment
before) and with the batch's fingerprint cache. It exits as soon as its parent is gone
(killed), and reports its result, or the exception that stopped it, through a file.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from bankperf_analysis.exceptions import ReportError

__all__ = ["prepare_in_child"]


def prepare_in_child(
    data: Path | str, quarter: str, target: Path, scheme_file: Path | None, cache: Path | None
) -> Path:
    """Run ``prepare_batch(data, quarter, target, ...)`` in a child process; return ``target``.

    The exception that stopped the child is raised here as it was raised there (a
    :class:`ReportError` naming the exit code when the child died without one).
    """
    spec: dict[str, str | int] = {
        "data": str(data),
        "quarter": quarter,
        "target": str(target),
        "scheme": str(scheme_file) if scheme_file else "",
        "cache": str(cache) if cache else "",
        "parent": os.getpid(),
    }
    with tempfile.TemporaryDirectory(prefix="bankperf-prepare-") as tmp:
        result = Path(tmp) / "result.pickle"
        spec["result"] = str(result)
        cmd = [sys.executable, "-m", "bankperf_analysis.runner.prepare_process", json.dumps(spec)]
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, check=False)
        if not result.is_file():
            raise ReportError(
                f"The process computing the shared inputs of {quarter} ended with exit code "
                f"{proc.returncode} and no result (killed, or out of memory?). Run again; if it "
                "recurs, run `bankperf scorecard` on the same data to see the error."
            )
        status, payload = pickle.loads(result.read_bytes())
    if status == "error":
        raise payload
    return Path(payload)


def _watch_parent(parent: int) -> None:
    """Exit at once when the parent process is gone (it was killed): nobody waits for the inputs."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(70)


def _result(exc: BaseException) -> bytes:
    """The pickled ``("error", exc)``; an exception that cannot be pickled, as a ReportError."""
    try:
        blob = pickle.dumps(("error", exc))
        pickle.loads(blob)  # an exception whose class cannot be rebuilt from its args fails here
        return blob
    except Exception:  # noqa: BLE001 - any pickling failure: keep its words
        return pickle.dumps(("error", ReportError(f"{type(exc).__name__}: {exc}")))


def main(argv: Sequence[str] | None = None) -> int:
    """Child side: compute the inputs named by the JSON spec ``argv[0]``; write the result file."""
    from bankperf_analysis.dataset.load import load_dataset
    from bankperf_analysis.report.inputs import prepare_batch

    spec = json.loads(list(sys.argv[1:] if argv is None else argv)[0])
    threading.Thread(target=_watch_parent, args=(int(spec["parent"]),), daemon=True).start()
    result = Path(spec["result"])
    try:
        cache = Path(spec["cache"]) if spec["cache"] else None
        with load_dataset(spec["data"], validate=False, fingerprint_cache=cache) as ds:
            path = prepare_batch(
                spec["data"], spec["quarter"], spec["target"], scheme_path=spec["scheme"] or None, ds=ds
            )
        result.write_bytes(pickle.dumps(("ok", str(path))))
        return 0
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent
        result.write_bytes(_result(exc))
        return 1


if __name__ == "__main__":
    sys.exit(main())
