"""The report batch of a quarter: every branch report, the bank overview and, in Q4, the year.

:func:`build_reports` is what ``bankperf report`` runs: it fingerprints the dataset,
prepares the inputs the reports share (once, only when some report must run) and runs
the report notebooks through :func:`bankperf_analysis.runner.run.run_reports`.
"""

from __future__ import annotations

from pathlib import Path

from bankperf_analysis._resources import notebook_path as _notebook

__all__ = ["build_reports"]


def build_reports(data: str | Path, quarter: str, out: str | Path = "outputs", *,
                  branches: list[str] | None = None, lang: str = "en", jobs: int | None = None,
                  scheduler: str | None = None, force: bool = False, progress: bool = True,
                  timeout_cell: float | None = 600.0, timeout_report: float | None = 1800.0,
                  scheme_path: str | Path | None = None):
    """Render the branch reports of ``quarter`` (and the bank overview) under ``out/<quarter>/``.

    The dataset is fingerprinted here (cheap); it is validated and the shared inputs
    are computed once, by :func:`bankperf_analysis.report.prepare_batch`, only when
    some report has to run. Returns the runner's ``RunResult``.
    """
    from bankperf_analysis.dataset.load import load_dataset
    from bankperf_analysis.exceptions import ParamsError
    from bankperf_analysis.periods import Period
    from bankperf_analysis.report.inputs import prepare_batch
    from bankperf_analysis.runner.run import run_reports
    from bankperf_analysis.scheme.model import load_scheme

    q = str(Period.parse(quarter))
    # Kernels run in their own working directory: every path they receive is absolute.
    data = Path(data).resolve()
    out = Path(out).resolve()
    scheme = load_scheme(scheme_path) if scheme_path else load_scheme()
    with load_dataset(data, validate=False) as ds:
        fingerprint = ds.fingerprint
        all_branches = ds.sql("SELECT branch_id, branch_name FROM branches ORDER BY branch_id")
    names = dict(zip(all_branches.branch_id.astype(str), all_branches.branch_name.astype(str)))
    chosen = [str(b) for b in branches] if branches else list(names)
    unknown = [b for b in chosen if b not in names]
    if unknown:
        raise ParamsError(f"Unknown branch id(s) {unknown}: the dataset has "
                          f"{', '.join(list(names)[:20])}{' ...' if len(names) > 20 else ''}.")

    prepared: dict[str, Path] = {}

    def prepare(workdir: Path, items) -> Path:
        # Once per batch, shared by the branch reports and the overview.
        if "path" not in prepared:
            prepared["path"] = prepare_batch(data, q, Path(workdir).resolve() / q,
                                             scheme_path=scheme_path)
        return prepared["path"]

    common = dict(lang=lang, quarter=q, fingerprint=fingerprint, params_hash=scheme.params_hash(),
                  jobs=jobs, scheduler=scheduler, force=force, timeout_cell=timeout_cell,
                  timeout_report=timeout_report, progress=progress)
    items = [{"id": b, "branch_id": b, "data_dir": str(data), "quarter": q,
              "title": f"{names[b]} ({b})"} for b in chosen]
    result = run_reports(_notebook("branch_quarter.ipynb"), items, out, prepare=prepare, **common)
    runs = [result]
    if not branches:  # a full batch also renders the bank overview (and, in Q4, the year)
        runs.append(run_reports(_notebook("bank_overview.ipynb"),
                                [{"id": "overview", "data_dir": str(data), "quarter": q,
                                  "title": "Bank overview / 全行概览"}],
                                out, prepare=prepare, **common))
        if Period.parse(q).start.month == 10:
            year = str(Period.parse(q).start.year)
            runs.append(run_reports(_notebook("annual_summary.ipynb"),
                                    [{"id": f"annual-{year}", "data_dir": str(data), "year": year,
                                      "title": f"Annual summary / 年度总结 {year}"}],
                                    out, **common))
    return _merge(runs)


def _merge(runs):
    """One RunResult for several runner calls of the same batch."""
    from dataclasses import replace

    first = runs[0]
    outcomes = tuple(o for r in runs for o in r.outcomes)
    index = tuple(dict.fromkeys(p for r in runs for p in r.index_paths))
    return replace(first, outcomes=outcomes, index_paths=index,
                   duration_s=sum(r.duration_s for r in runs))
