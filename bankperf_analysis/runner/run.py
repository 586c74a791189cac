"""Run a parameterized notebook for many items (branches) and publish HTML reports.

:func:`run_reports` is the engine behind ``bankperf report``::

    result = run_reports(
        "notebooks/branch_quarter.ipynb",
        [{"branch_id": b, "data_dir": data, "quarter": "2026Q3"} for b in branches],
        "outputs",
        lang="zh",
        fingerprint=dataset.fingerprint,
        params_hash=scheme.params_hash,
        prepare=compute_shared_inputs,   # once per batch, in this process
    )
    sys.exit(result.exit_code)

What it guarantees:

* **Fast.** Parallel worker processes (``jobs``, default ``os.cpu_count()``), each
  with a long-lived kernel that is reset between reports and replaced after
  ``max_reports_per_kernel`` reports, a failure or a timeout; HTML is rendered in
  the worker with one exporter instance. papermill still runs every notebook
  (through the ``bankperf`` engine), so parameter injection, per-cell timeouts and
  error capture are papermill's. ``scheduler="tcp://host:8786"`` fans out on a Dask
  cluster instead.
* **Incremental.** A report whose inputs (notebook content, item parameters, lang,
  data fingerprint, params hash, package version, templates) did not change and
  whose HTML exists is not run again (``force=True`` re-runs). The input key is kept
  in ``<out>/<quarter>/.bankperf-cache.json`` and in the HTML itself.
* **Truthful.** Status comes from the runner's own bookkeeping, never from parsing a
  notebook. A failed report publishes no HTML: a previous good HTML of that item is
  *removed* (so nobody reads last run's numbers as current), the executed notebook is
  kept in ``<out>/<quarter>/_failed/<id>.ipynb``, the index shows the failure, the
  batch goes on, and :attr:`RunResult.exit_code` is 1.
* **Safe.** Every file is written atomically; item ids must be safe file names;
  parameters must be declared in the notebook's ``parameters`` cell and are passed
  through papermill's Python API (``"0012"`` stays a string); the report template
  carries no JavaScript and no external URL, and a report whose outputs contain a
  live ``<script>`` (an unescaped name) fails instead of being published.

Notebooks record their headline numbers for the index page with
:func:`bankperf_analysis.report.record_headline` and escape names with
:func:`bankperf_analysis.i18n.md_escape`.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import keyword
import math
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bankperf_analysis.exceptions import ParamsError, ReportError
from bankperf_analysis.i18n import check_lang, t

__all__ = [
    "MANIFEST_NAME",
    "SAFE_ID",
    "ReportItem",
    "ReportFailure",
    "ReportOutcome",
    "RunResult",
    "run_reports",
    "exit_code",
    "format_failures",
    "add_report_arguments",
    "report_from_args",
]

MANIFEST_NAME = ".bankperf-cache.json"
#: An item id (branch id) must match this to become a file name.
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
#: Item keys that describe the report rather than parametrize the notebook. They are
#: passed to the notebook too when its ``parameters`` cell declares them.
META_KEYS = ("id", "title", "headline", "fingerprint", "params_hash")
_MANIFEST_FORMAT = 1
Status = Literal["ok", "failed", "cached"]


# --------------------------------------------------------------------------- notebook side


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class ReportItem:
    """One report to produce: an id (a safe file name) and its notebook parameters.

    Plain dicts are accepted by :func:`run_reports` and converted with
    :meth:`from_mapping`: ``{"branch_id": "B01", "quarter": "2026Q3", "title": "...",
    "headline": {...}}``.
    """

    id: str
    params: Mapping[str, Any]
    title: str = ""
    headline: Mapping[str, Any] = field(default_factory=dict)
    fingerprint: str | None = None
    params_hash: str | None = None

    @classmethod
    def from_mapping(cls, item: Mapping[str, Any], id_param: str = "branch_id") -> ReportItem:
        """Split a dict into metadata (``id``, ``title``, ``headline``, ...) and parameters."""
        if isinstance(item, ReportItem):
            return item
        if not isinstance(item, Mapping):
            raise ParamsError(
                f"Each item of run_reports must be a dict or ReportItem. "
                f"Got {type(item).__name__} instead."
            )
        params = {k: v for k, v in item.items() if k not in ("id", "title", "headline")}
        item_id = item.get("id", item.get(id_param))
        if item_id is None:
            raise ParamsError(
                f"Each item of run_reports needs an 'id' or {id_param!r} key. "
                f"Got keys {sorted(item)} instead."
            )
        headline = item.get("headline") or {}
        if not isinstance(headline, Mapping):
            raise ParamsError(
                f"The 'headline' of item {item_id!r} must be a dict. "
                f"Got {type(headline).__name__} instead."
            )
        return cls(
            id=item_id,
            params=params,
            title=str(item.get("title") or ""),
            headline=dict(headline),
            fingerprint=item.get("fingerprint"),
            params_hash=item.get("params_hash"),
        )


@dataclass(frozen=True, slots=True)
class ReportFailure:
    """Why a report failed.

    ``kind`` is one of ``"error"`` (a cell raised), ``"cell_timeout"``,
    ``"report_timeout"``, ``"kernel_died"``, ``"kernel_start"``, ``"worker_died"``,
    ``"render"``, ``"unsafe_html"``, ``"dask"``, ``"runner"``. ``cell_index`` is the
    0-based index of the failing cell in the source notebook (None when unknown).
    """

    kind: str
    message: str
    cell_index: int | None = None
    cell_source: str = ""
    ename: str = ""
    evalue: str = ""

    def as_text(self) -> str:
        """One paragraph: kind, message, cell index and the start of its source."""
        where = f" in cell [{self.cell_index}]" if self.cell_index is not None else ""
        text = f"{self.kind}{where}: {self.message}"
        if self.cell_source:
            text += "\n      " + self.cell_source.replace("\n", "\n      ")
        return text


@dataclass(frozen=True, slots=True)
class ReportOutcome:
    """What happened to one item: ``status`` is ``"ok"``, ``"failed"`` or ``"cached"``."""

    id: str
    quarter: str
    status: Status
    html_path: Path | None = None
    failed_notebook: Path | None = None
    headline: Mapping[str, Any] = field(default_factory=dict)
    error: ReportFailure | None = None
    duration_s: float = 0.0


@dataclass(frozen=True)
class RunResult:
    """Outcome of a :func:`run_reports` batch.

    Attributes
    ----------
    outcomes : tuple of ReportOutcome
        One per item, in item order.
    index_paths : tuple of Path
        The ``index.html`` written (one per quarter folder).
    duration_s : float
        Wall-clock time of the batch.
    """

    outcomes: tuple[ReportOutcome, ...]
    index_paths: tuple[Path, ...] = ()
    duration_s: float = 0.0

    @property
    def done(self) -> tuple[ReportOutcome, ...]:
        """Reports executed and published in this run."""
        return tuple(o for o in self.outcomes if o.status == "ok")

    @property
    def failed(self) -> tuple[ReportOutcome, ...]:
        """Reports that failed (no HTML published)."""
        return tuple(o for o in self.outcomes if o.status == "failed")

    @property
    def cached(self) -> tuple[ReportOutcome, ...]:
        """Reports skipped because their inputs did not change."""
        return tuple(o for o in self.outcomes if o.status == "cached")

    @property
    def ok(self) -> bool:
        """True when no report failed."""
        return not self.failed

    @property
    def exit_code(self) -> int:
        """Process exit code for the CLI: 0 if every report is good, 1 otherwise."""
        return exit_code(self)

    def summary(self) -> str:
        """Counts and the list of failures, as text."""
        head = (
            f"{len(self.outcomes)} report(s): {len(self.done)} done, {len(self.cached)} cached, "
            f"{len(self.failed)} failed in {self.duration_s:.1f} s"
        )
        return head + ("\n" + format_failures(self) if self.failed else "")

    def __str__(self) -> str:
        return self.summary()

    def to_frame(self):
        """One row per item: id, quarter, status, duration, error kind and message."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "id": o.id,
                    "quarter": o.quarter,
                    "status": o.status,
                    "duration_s": o.duration_s,
                    "html_path": str(o.html_path) if o.html_path else None,
                    "error_kind": o.error.kind if o.error else None,
                    "error": o.error.message if o.error else None,
                }
                for o in self.outcomes
            ]
        )


def exit_code(result: RunResult) -> int:
    """Exit code of ``bankperf report``: 0 when every report is good, 1 if any failed."""
    return 0 if result.ok else 1


def format_failures(result: RunResult) -> str:
    """The failed reports, one block each (item, cell, error, kept notebook)."""
    lines = []
    for o in result.failed:
        lines.append(f"FAILED {o.quarter}/{o.id}: {o.error.as_text() if o.error else '?'}")
        if o.failed_notebook:
            lines.append(f"      executed notebook kept in {o.failed_notebook}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- CLI helper


def add_report_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the options of ``bankperf report`` to ``parser`` (the lead's ``cli.py``).

    ``--data DIR --quarter 2026Q3 [--branch ID ...] [--lang zh|en] [--jobs N]
    [--scheduler ADDRESS] [--out outputs/] [--force] [--timeout-cell S]
    [--timeout-report S] [--no-progress]``. Branch ids stay strings.
    """
    parser.add_argument("--data", required=True, help="folder (or file/URL) of the dataset")
    parser.add_argument("--quarter", required=True, help="reporting quarter, e.g. 2026Q3")
    parser.add_argument("--branch", action="append", default=None, metavar="ID", type=str,
                        help="branch id to report on (repeatable; default: every branch)")
    parser.add_argument("--lang", choices=["en", "zh"], default="en", help="report language")
    parser.add_argument("--jobs", type=int, default=None,
                        help="parallel workers (default: number of CPUs)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="Dask scheduler address (tcp://host:8786) to run on a cluster")
    parser.add_argument("--out", default="outputs", help="output folder (default: outputs/)")
    parser.add_argument("--force", action="store_true",
                        help="re-run reports whose inputs did not change")
    parser.add_argument("--timeout-cell", type=float, default=600.0, metavar="S",
                        help="seconds one cell may run (default 600)")
    parser.add_argument("--timeout-report", type=float, default=1800.0, metavar="S",
                        help="seconds one report may run (default 1800)")
    parser.add_argument("--no-progress", dest="progress", action="store_false",
                        help="no progress bar")
    return parser


def report_from_args(
    args: argparse.Namespace,
    notebook: str | os.PathLike,
    items: Iterable[Mapping[str, Any] | ReportItem],
    *,
    fingerprint: str = "",
    params_hash: str = "",
    prepare: Callable[..., str | os.PathLike] | None = None,
    stream: Any = None,
) -> int:
    """Run ``bankperf report`` from parsed :func:`add_report_arguments` options.

    The CLI builds ``items`` (one per branch, filtered by ``args.branch``) and the
    fingerprint / params hash from the dataset and ``params/``; this runs them,
    prints the summary and the failures to ``stream`` (stderr) and returns the exit
    code (0 all good, 1 if any report failed).
    """
    import sys

    result = run_reports(
        notebook, items, args.out, lang=args.lang, quarter=args.quarter, jobs=args.jobs,
        scheduler=args.scheduler, force=args.force, prepare=prepare,
        timeout_cell=args.timeout_cell, timeout_report=args.timeout_report,
        progress=args.progress, fingerprint=fingerprint, params_hash=params_hash,
    )
    out = stream if stream is not None else sys.stderr
    print(result.summary(), file=out)
    for path in result.index_paths:
        print(f"index: {path}", file=out)
    return result.exit_code


# --------------------------------------------------------------------------- validation


def _check_id(value: Any, what: str) -> str:
    if not isinstance(value, str) or not SAFE_ID.fullmatch(value) or ".." in value:
        raise ParamsError(
            f"The {what} must be a safe file name (letters, digits, '_', '.', '-'; "
            f"starting with a letter or digit; at most 64 characters; no '..'). "
            f"Got {value!r} instead."
        )
    return value


def _check_value(name: str, value: Any, declared_type: str, item_id: str) -> Any:
    """Check a parameter value is something papermill translates faithfully."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)

    def bad(expected: str) -> ParamsError:
        return ParamsError(
            f"The parameter {name!r} of item {item_id!r} must be {expected}. "
            f"Got {value!r} ({type(value).__name__}) instead."
        )

    def plain(v: Any) -> bool:
        if v is None or isinstance(v, str | bool | int):
            return True
        if isinstance(v, float):
            return math.isfinite(v)
        if isinstance(v, list | tuple):
            return all(plain(x) for x in v)
        if isinstance(v, Mapping):
            return all(isinstance(k, str) and plain(x) for k, x in v.items())
        return False

    if not plain(value):
        raise bad("a str, int, finite float, bool, None, or a list/dict of those")
    expected = {"str": str, "int": int, "float": (int, float), "bool": bool}.get(declared_type)
    if expected is not None and value is not None:
        if isinstance(value, bool) and declared_type != "bool":
            raise bad(f"a {declared_type} (declared so in the notebook)")
        if not isinstance(value, expected):
            raise bad(f"a {declared_type} (declared so in the notebook)")
    return value


def _declared_parameters(nb_path: Path) -> dict[str, dict[str, Any]]:
    import papermill

    try:
        declared = papermill.inspect_notebook(str(nb_path))
    except Exception as exc:  # noqa: BLE001
        raise ParamsError(f"Cannot read the parameters of {nb_path}: {exc}") from exc
    if not declared:
        raise ParamsError(
            f"The notebook {nb_path} has no cell tagged 'parameters' "
            "(or it declares no parameter); the runner cannot parametrize it."
        )
    return declared


# --------------------------------------------------------------------------- cache


def _digest(obj: Any) -> str:
    blob = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:32]


def _load_manifest(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
        if data.get("format") == _MANIFEST_FORMAT and isinstance(data.get("reports"), dict):
            return data
    except (OSError, ValueError, AttributeError):
        pass
    return {"format": _MANIFEST_FORMAT, "reports": {}}


@contextlib.contextmanager
def _folder_lock(folder: Path):
    """Exclusive lock of a quarter folder for the duration of a run (POSIX only)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        yield
        return
    fh = open(folder / ".bankperf.lock", "a+")  # noqa: SIM115
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ReportError(
                f"Another bankperf run is writing {folder}; wait for it to finish."
            ) from None
        yield
    finally:
        fh.close()


# --------------------------------------------------------------------------- the run


@dataclass(slots=True)
class _Planned:
    item: ReportItem
    quarter: str
    params: dict[str, Any]
    key: str
    fingerprint: str
    params_hash: str


def _plan(
    nb_path: Path,
    items: Iterable[Mapping[str, Any] | ReportItem],
    *,
    lang: str,
    quarter: str | None,
    fingerprint: str,
    params_hash: str,
    id_param: str,
    with_shared_inputs: bool,
    nb_digest: str,
    version: str,
) -> list[_Planned]:
    """Validate every item (before anything is written) and compute its input key."""
    from bankperf_analysis.runner.render import template_digest

    declared = _declared_parameters(nb_path)
    if with_shared_inputs and "shared_inputs" not in declared:
        raise ParamsError(
            f"run_reports got a 'prepare' callable but {nb_path.name} declares no "
            "'shared_inputs' parameter to receive its result."
        )
    planned: list[_Planned] = []
    seen: set[tuple[str, str]] = set()
    for raw in items:
        item = ReportItem.from_mapping(raw, id_param=id_param)
        _check_id(item.id, "item id")
        params = dict(item.params)
        for key in list(params):
            if not isinstance(key, str) or not key.isidentifier() or keyword.iskeyword(key):
                raise ParamsError(
                    f"The parameter names of item {item.id!r} must be Python identifiers. "
                    f"Got {key!r} instead."
                )
            if key not in declared:
                if key in META_KEYS:
                    params.pop(key)
                    continue
                raise ParamsError(
                    f"The parameter {key!r} of item {item.id!r} is not declared in the "
                    f"'parameters' cell of {nb_path.name}; declared: {sorted(declared)}."
                )
        fp = item.fingerprint if item.fingerprint is not None else fingerprint
        ph = item.params_hash if item.params_hash is not None else params_hash
        defaults = {"lang": lang, "quarter": quarter, "fingerprint": fp, "params_hash": ph}
        for key, value in defaults.items():
            if key in declared and key not in params and value is not None:
                params[key] = value
        if "lang" in params and params["lang"] != lang:
            raise ParamsError(
                f"The 'lang' of item {item.id!r} ({params['lang']!r}) differs from the run's "
                f"lang ({lang!r}); run each language separately."
            )
        if "shared_inputs" in params and with_shared_inputs:
            raise ParamsError(
                f"Item {item.id!r} sets 'shared_inputs' although a 'prepare' callable "
                "computes it; give one or the other."
            )
        for key in list(params):
            params[key] = _check_value(key, params[key], declared[key]["inferred_type_name"],
                                       item.id)
        q = params.get("quarter", quarter)
        if q is None:
            raise ParamsError(
                f"Item {item.id!r} has no quarter: pass quarter=... to run_reports or a "
                "'quarter' parameter in the item."
            )
        q = _check_id(str(q), "quarter")
        if (q, item.id) in seen:
            raise ParamsError(f"The item id {item.id!r} appears twice for quarter {q}.")
        seen.add((q, item.id))
        key_params = {k: v for k, v in params.items() if k != "shared_inputs"}
        key = _digest(
            {
                "notebook": nb_digest,
                "params": key_params,
                "lang": lang,
                "fingerprint": fp,
                "params_hash": ph,
                "version": version,
                "templates": template_digest(),
                "title": item.title,
            }
        )
        planned.append(_Planned(item, q, params, key, fp or "", ph or ""))
    if not planned:
        raise ParamsError("run_reports got no item to run.")
    return planned


def run_reports(
    notebook: str | os.PathLike,
    items: Iterable[Mapping[str, Any] | ReportItem],
    out_dir: str | os.PathLike,
    *,
    lang: str = "en",
    quarter: str | None = None,
    fingerprint: str = "",
    params_hash: str = "",
    jobs: int | None = None,
    scheduler: Any = None,
    force: bool = False,
    prepare: Callable[..., str | os.PathLike] | None = None,
    timeout_cell: float | None = 600.0,
    timeout_report: float | None = 1800.0,
    progress: bool = True,
    id_param: str = "branch_id",
    kernel_name: str | None = None,
    max_reports_per_kernel: int = 50,
    preload: Sequence[str] | None = None,
    on_result: Callable[[ReportOutcome], None] | None = None,
) -> RunResult:
    """Run ``notebook`` once per item and publish HTML reports under ``out_dir/<quarter>/``.

    Parameters
    ----------
    notebook : path
        The parameterized notebook (a cell tagged ``parameters``).
    items : iterable of dict or ReportItem
        One per report. A dict holds the notebook parameters (``branch_id``,
        ``data_dir``, ``quarter``, ...) plus optional metadata: ``id`` (default: the
        ``id_param`` value), ``title``, ``headline`` (numbers for the index page),
        ``fingerprint``, ``params_hash``.
    out_dir : path
        Output root; reports go to ``out_dir/<quarter>/<id>.html``.
    lang : {"en", "zh"}
        Report language; passed as the ``lang`` parameter when the notebook declares it.
    quarter : str, optional
        Quarter for items that do not carry a ``quarter`` parameter.
    fingerprint, params_hash : str
        Data fingerprint and scheme-parameters hash of the batch: printed in every
        footer, part of the cache key, and passed to notebooks that declare them.
    jobs : int, optional
        Local worker processes (default ``os.cpu_count()``); ignored with ``scheduler``.
    scheduler : str or distributed.Client, optional
        Dask scheduler address (``"tcp://host:8786"``) or client: run on the cluster.
        Workers must share the package version, and the paths in the parameters
        (``data_dir``, ``shared_inputs``) must be visible from the workers.
    force : bool
        Re-run reports whose inputs did not change.
    prepare : callable, optional
        ``prepare(workdir=Path, items=list[ReportItem]) -> path``: computes the inputs
        shared by the batch once, in this process, only when some report must run;
        the returned path is passed to every notebook as ``shared_inputs`` (which the
        notebook must declare). ``workdir`` is ``out_dir/.bankperf-shared/`` (created);
        ``items`` are the items that will run. It is not part of the cache key (the
        fingerprint and params hash are).
    timeout_cell : float or None
        Seconds a cell may run (papermill ``execution_timeout``).
    timeout_report : float or None
        Seconds a whole report may run; then its kernel is killed and replaced.
    progress : bool
        Show a tqdm bar with done / failed / cached counts.
    id_param : str
        Parameter that gives the item id when an item dict has no ``id``.
    kernel_name : str, optional
        Kernel spec to use; default: the interpreter running this function
        (``sys.executable``), independent of installed kernel specs.
    max_reports_per_kernel : int
        Replace a worker's kernel after this many reports.
    preload : sequence of str, optional
        Modules imported once when a kernel starts (default pandas, pyplot, seaborn).
    on_result : callable, optional
        Called in this process with each :class:`ReportOutcome` as it is published
        (including cached ones). An exception raised here stops the batch: workers
        and kernels are stopped, what was published stays, nothing is half-written.

    Returns
    -------
    RunResult

    Raises
    ------
    ParamsError
        Invalid items or parameters (nothing has been written).
    ReportError
        ``prepare`` failed, or another run holds the output folder.
    """
    from bankperf_analysis import __version__
    from bankperf_analysis.runner.kernels import DEFAULT_PRELOAD, KernelOptions

    t0 = time.perf_counter()
    check_lang(lang)
    nb_path = Path(notebook).resolve()
    if not nb_path.is_file():
        raise ParamsError(f"The notebook {nb_path} does not exist.")
    if jobs is not None and (not isinstance(jobs, int) or jobs < 1):
        raise ParamsError(
            f"The 'jobs' parameter of run_reports must be an int >= 1. Got {jobs!r} instead."
        )
    for name, value in (("timeout_cell", timeout_cell), ("timeout_report", timeout_report)):
        if value is not None and not value > 0:
            raise ParamsError(
                f"The {name!r} parameter of run_reports must be a positive number or None. "
                f"Got {value!r} instead."
            )
    nb_bytes = nb_path.read_bytes()
    nb_digest = hashlib.sha256(nb_bytes).hexdigest()
    planned = _plan(
        nb_path, items, lang=lang, quarter=quarter, fingerprint=fingerprint,
        params_hash=params_hash, id_param=id_param, with_shared_inputs=prepare is not None,
        nb_digest=nb_digest, version=__version__,
    )

    # ---- everything is valid: from here on we write
    out_root = Path(out_dir)
    quarters = sorted({p.quarter for p in planned})
    folders = {q: out_root / q for q in quarters}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)

    with contextlib.ExitStack() as stack:
        for folder in folders.values():
            stack.enter_context(_folder_lock(folder))
        return _run_locked(
            planned, folders, nb_path=nb_path, nb_text=nb_bytes.decode("utf-8"), lang=lang,
            force=force, prepare=prepare, out_root=out_root,
            jobs=jobs, scheduler=scheduler, progress=progress, on_result=on_result,
            options=KernelOptions(
                kernel_name=kernel_name,
                max_reports=max(1, int(max_reports_per_kernel)),
                preload=tuple(DEFAULT_PRELOAD if preload is None else preload),
            ),
            timeout_cell=timeout_cell, timeout_report=timeout_report, version=__version__,
            t0=t0,
        )


def _run_locked(planned, folders, *, nb_path, nb_text, lang, force, prepare, out_root, jobs,
                scheduler, progress, on_result, options, timeout_cell, timeout_report, version,
                t0) -> RunResult:
    """Split cached from stale items, run the stale ones, publish, write the indexes."""
    from bankperf_analysis.runner.kernels import ReportTask
    from bankperf_analysis.runner.render import read_input_key, remove_stale_temps

    manifests = {q: _load_manifest(f) for q, f in folders.items()}
    for folder in folders.values():
        remove_stale_temps(folder)
        if (folder / "_failed").is_dir():
            remove_stale_temps(folder / "_failed")

    outcomes: dict[tuple[str, str], ReportOutcome] = {}
    to_run: list[_Planned] = []
    for p in planned:
        folder = folders[p.quarter]
        html = folder / f"{p.item.id}.html"
        entry = manifests[p.quarter]["reports"].get(p.item.id, {})
        fresh = html.is_file() and (
            (entry.get("status") == "ok" and entry.get("key") == p.key)
            or read_input_key(html) == p.key
        )
        if fresh and not force:
            headline = entry.get("headline") if entry.get("key") == p.key else None
            if headline is None:  # manifest lost: rebuild the entry from the item
                headline = dict(p.item.headline)
                manifests[p.quarter]["reports"][p.item.id] = _entry(p, nb_path, lang, "ok",
                                                                    headline=headline)
            outcomes[(p.quarter, p.item.id)] = ReportOutcome(
                p.item.id, p.quarter, "cached", html_path=html, headline=headline
            )
        else:
            to_run.append(p)

    bar = _progress_bar(len(planned), progress, "/".join(folders))
    counts = {"done": 0, "failed": 0, "cached": len(outcomes)}
    bar.update(len(outcomes))
    bar.set_postfix(counts, refresh=True)
    for o in list(outcomes.values()):
        if on_result is not None:
            on_result(o)

    publisher = _Publisher(folders, manifests, {(p.quarter, p.item.id): p for p in to_run},
                           nb_path, lang, outcomes, counts, bar, on_result)
    try:
        if to_run:
            shared: str | None = None
            if prepare is not None:
                workdir = out_root / ".bankperf-shared"
                workdir.mkdir(parents=True, exist_ok=True)
                try:
                    # Kernels run in their own working directory: hand them an absolute path.
                    shared = os.fspath(Path(prepare(workdir=workdir,
                                                    items=[p.item for p in to_run])).resolve())
                except Exception as exc:
                    raise ReportError(
                        f"Preparing the shared inputs failed, so no report was run: {exc!r}"
                    ) from exc
            tasks = []
            for p in to_run:
                params = dict(p.params)
                if shared is not None:
                    params["shared_inputs"] = shared
                title = p.item.title or p.item.id
                tasks.append(ReportTask(
                    id=p.item.id, quarter=p.quarter, notebook_path=str(nb_path),
                    notebook_json=nb_text, parameters=params, lang=lang,
                    title=f"{title} · {p.quarter}", input_key=p.key,
                    footer_rows=(
                        (t("footer_fingerprint", lang), p.fingerprint or "–"),
                        (t("footer_params_hash", lang), p.params_hash or "–"),
                        (t("footer_version", lang), version),
                    ),
                    generated_label=t("footer_generated", lang),
                    toc_heading=t("heading_contents", lang),
                    timeout_cell=timeout_cell, timeout_report=timeout_report,
                    options=options, version=version,
                ))
            if scheduler is not None:
                _run_dask(scheduler, tasks, publisher.publish)
            else:
                from bankperf_analysis.runner.kernels import LocalPool

                n = min(jobs or os.cpu_count() or 1, len(tasks))
                LocalPool(n).run(tasks, publisher.publish)
    finally:
        bar.close()
        index_paths = []
        for q, folder in folders.items():
            with contextlib.suppress(Exception):
                index_paths.append(_write_index(folder, q, manifests[q], lang, version))

    ordered = tuple(outcomes[(p.quarter, p.item.id)] for p in planned)
    return RunResult(ordered, tuple(index_paths), time.perf_counter() - t0)


def _entry(p: _Planned, nb_path: Path, lang: str, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": p.item.id,
        "title": p.item.title or p.item.id,
        "status": status,
        "key": p.key,
        "notebook": nb_path.name,
        "lang": lang,
        "fingerprint": p.fingerprint,
        "params_hash": p.params_hash,
        "html": f"{p.item.id}.html" if status == "ok" else None,
        **extra,
    }


class _Publisher:
    """Writes each outcome as it arrives (in the parent process): HTML, failed notebook, manifest."""

    def __init__(self, folders, manifests, planned, nb_path, lang, outcomes, counts, bar,
                 on_result):
        from bankperf_analysis.runner.render import atomic_write

        self.folders = folders
        self.manifests = manifests
        self.planned = planned
        self.nb_path = nb_path
        self.lang = lang
        self.outcomes = outcomes
        self.counts = counts
        self.bar = bar
        self.on_result = on_result
        self.atomic_write = atomic_write

    def publish(self, out) -> None:
        p = self.planned[(out.quarter, out.id)]
        folder = self.folders[out.quarter]
        html_path = folder / f"{out.id}.html"
        failed_nb = folder / "_failed" / f"{out.id}.ipynb"
        if out.ok:
            self.atomic_write(html_path, out.html)
            with contextlib.suppress(FileNotFoundError):
                failed_nb.unlink()
            headline = {**p.item.headline, **out.headline}
            entry = _entry(p, self.nb_path, self.lang, "ok", headline=headline,
                           generated_at=out.generated_at, duration_s=round(out.duration_s, 3))
            outcome = ReportOutcome(out.id, out.quarter, "ok", html_path=html_path,
                                    headline=headline, duration_s=out.duration_s)
            self.counts["done"] += 1
        else:
            failure = ReportFailure(**{k: out.failure.get(k) for k in (
                "kind", "message", "cell_index", "cell_source", "ename", "evalue")})
            kept = None
            if out.notebook_json:
                failed_nb.parent.mkdir(exist_ok=True)
                self.atomic_write(failed_nb, out.notebook_json)
                kept = failed_nb
            # A failed report must not leave last run's HTML looking current.
            with contextlib.suppress(FileNotFoundError):
                html_path.unlink()
            entry = _entry(p, self.nb_path, self.lang, "failed",
                           error=failure.as_text().splitlines()[0][:500],
                           failed_notebook=f"_failed/{out.id}.ipynb" if kept else None,
                           generated_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
                           headline={})
            outcome = ReportOutcome(out.id, out.quarter, "failed", failed_notebook=kept,
                                    error=failure, duration_s=out.duration_s)
            self.counts["failed"] += 1
        manifest = self.manifests[out.quarter]
        manifest["reports"][out.id] = entry
        self.atomic_write(folder / MANIFEST_NAME,
                          json.dumps(manifest, indent=1, ensure_ascii=False, sort_keys=True))
        self.outcomes[(out.quarter, out.id)] = outcome
        self.bar.update(1)
        self.bar.set_postfix(self.counts, refresh=True)
        if self.on_result is not None:
            self.on_result(outcome)


def _write_index(folder: Path, quarter: str, manifest: Mapping[str, Any], lang: str,
                 version: str) -> Path:
    from bankperf_analysis.runner.render import atomic_write, render_index

    entries = []
    for entry in manifest["reports"].values():
        e = dict(entry)
        if e.get("status") == "ok" and not (folder / str(e.get("html"))).is_file():
            e["status"] = "failed"
            e["error"] = t("run_missing", lang)
        entries.append(e)
    path = folder / "index.html"
    atomic_write(path, render_index(entries, quarter=quarter, lang=lang, version=version))
    return path


def _progress_bar(total: int, enabled: bool, desc: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not enabled, unit="report", desc=desc, leave=True)


def _run_dask(scheduler: Any, tasks: list, publish: Callable) -> None:
    """Fan the tasks out on a Dask cluster; outcomes come back here to be published."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ReportError(
            "Running on a Dask cluster (scheduler=...) needs the 'distributed' package: "
            "pip install 'bankperf-analysis[dask]'."
        ) from None

    from bankperf_analysis.runner.kernels import failed_outcome, run_chunk, shutdown_workers

    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler
    futures = []
    try:
        nthreads = sum(client.nthreads().values()) or 1
        size = max(1, math.ceil(len(tasks) / (2 * nthreads)))
        chunks = [tasks[i : i + size] for i in range(0, len(tasks), size)]
        futures = client.map(run_chunk, chunks, pure=False)
        by_future = dict(zip((f.key for f in futures), chunks, strict=True))
        for fut in as_completed(futures):
            try:
                outs = fut.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker, a pickling error...
                outs = [failed_outcome(t_, "dask", f"the Dask task failed: {exc!r}")
                        for t_ in by_future[fut.key]]
            for out in outs:
                publish(out)
    finally:
        with contextlib.suppress(Exception):
            client.cancel(futures)
        with contextlib.suppress(Exception):
            client.run(shutdown_workers)
        if own:
            with contextlib.suppress(Exception):
                client.close()
