"""The monthly batch (月报): every branch's monthly report and the monthly overview of a month.

:func:`build_monthly_reports` is what ``bankperf report --period 2026-11`` runs. It goes
through the same runner as the quarter reports (:func:`~bankperf_analysis.runner.run.plan_run`
and :func:`~bankperf_analysis.runner.run.execute_plans`: cache, lock, index, safety, footer),
with the notebooks ``branch_month.ipynb`` and ``bank_month.ipynb`` and the month as the
folder: reports go to ``out/2026-11/``. The monthly inputs
(:func:`~bankperf_analysis.report.monthly.prepare_month`) are computed once per batch, only
when some report must run. As for the quarter, a refused run writes nothing.
"""

from __future__ import annotations

from pathlib import Path

from bankperf_analysis._i18n_monthly import mt
from bankperf_analysis.dataset.database import password_via_environment
from bankperf_analysis.i18n import check_lang
from bankperf_analysis.runner.batch import (
    _chosen_branches,
    _validate_if_needed,
    prepare_hook,
    scheme_text,
    setup_batch,
)
from bankperf_analysis.runner.items import RunResult
from bankperf_analysis.runner.names import report_stems
from bankperf_analysis.runner.run import RunPlan, execute_plans, plan_run

__all__ = ["build_monthly_reports"]


@password_via_environment
def build_monthly_reports(
    data: str | Path,
    period: str,
    out: str | Path = "outputs",
    *,
    branches: list[str] | None = None,
    lang: str = "en",
    jobs: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    progress: bool = True,
    timeout_cell: float | None = 600.0,
    timeout_report: float | None = 1800.0,
    scheme_path: str | Path | None = None,
) -> RunResult:
    """Render the monthly reports of ``period`` (``"2026-11"``) under ``out/<period>/``.

    The branch reports (``branches``: those only) and the monthly overview, always: it is
    one page, and a branch whose report is not in the folder shows there as grey text.
    Arguments as :func:`~bankperf_analysis.runner.batch.build_reports`.

    Raises
    ------
    ParamsError
        ``period`` is not a month, an unknown branch, an invalid scheme (nothing written).

    Examples
    --------
    >>> res = build_monthly_reports("data/demo", "2026-11", "outputs", progress=False)  # doctest: +SKIP
    >>> res.exit_code  # doctest: +SKIP
    0
    """
    from bankperf_analysis.report.monthly import check_month

    m = str(check_month(period, "build_monthly_reports"))
    check_lang(lang)
    setup = setup_batch(data, out, scheme_path)
    data, out, scheme_file, scheme, info = setup.data, setup.out, setup.scheme_file, setup.scheme, setup.info
    chosen = _chosen_branches(branches, info.names)
    stems = report_stems(info.names)
    extra = {"scheme_path": str(scheme_file or "")}
    items = [
        {
            "id": b,
            "file": stems[b],
            "branch_id": b,
            "data_dir": str(data),
            "period": m,
            "title": f"{info.display_name(b, lang)} ({b})",
            **extra,
        }
        for b in chosen
    ]
    options = setup.options(  # the runner's folder: out/<period>/
        m,
        lang,
        jobs=jobs,
        scheduler=scheduler,
        force=force,
        progress=progress,
        timeout_cell=timeout_cell,
        timeout_report=timeout_report,
    )
    options["params_hash"] = scheme.params_hash()
    options["footer"] = [(mt("footer_scheme", lang), scheme_text(scheme, scheme_file, lang))]
    prepare = _prepare_once(data, m, scheme_file)
    plans: list[RunPlan] = [plan_run(_nb("branch_month.ipynb"), items, out, prepare=prepare, **options)]
    # The overview always (one page): with --branch, the branches not rendered show as grey text.
    overview = {"id": "overview", "file": "overview", "data_dir": str(data), "period": m, **extra}
    overview["title"] = mt("month_title_bank", lang)
    plans.append(plan_run(_nb("bank_month.ipynb"), [overview], out, prepare=prepare, **options))
    _validate_if_needed(plans, data, setup.cache)
    return execute_plans(plans)


def _nb(name: str) -> Path:
    from bankperf_analysis._resources import notebook_path

    return notebook_path(name)


def _prepare_once(data: Path | str, period: str, scheme_file: Path | None):
    """The runner's ``prepare`` hook: the monthly inputs, computed once per batch (or failed once)."""
    from bankperf_analysis.report.monthly import prepare_month

    return prepare_hook(
        lambda workdir: prepare_month(data, period, workdir / f"month-{period}", scheme_path=scheme_file)
    )
