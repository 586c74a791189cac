"""Channel scope of the contact KPIs (issue 13, item 3).

Response time, service level and abandonment count the remote queues (phone, online) by
default; resolution counts every channel; queue waiting time the counter. The scheme's
``definitions.channels`` changes each scope; every level (staff, branch, region, bank), the
significance tests, the branch report and the workbook honour it. A scope with no contact
gives no value ("insufficient data"), never 0. Crafted banks with a contact on each channel.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest

from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.kpis import KPIS
from bankperf_analysis.metrics import MetricOptions, compute_kpis
from bankperf_analysis.periods import Period
from bankperf_analysis.scheme import Scheme, default_scheme_path, load_scheme

MONTH = "2026-07"
QUARTER = "2026Q3"


def _ts(minute: int, seconds: float = 0) -> str:
    t = dt.datetime(2026, 7, 6, 9, minute) + dt.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%d %H:%M:%S")


def _contact(cid, branch, staff, channel, minute, wait, resolved=True):
    abandoned = wait is None
    return {
        "contact_id": cid,
        "branch_id": branch,
        "staff_id": staff,
        "channel": channel,
        "arrival_ts": _ts(minute),
        "answer_ts": None if abandoned else _ts(minute, wait),
        "end_ts": _ts(minute, 900),
        "resolved": None if abandoned else resolved,
        "abandoned": abandoned,
    }


def _bank(folder: Path) -> Path:
    """B1: one contact answered on each channel, one abandoned on each; B2: the counter only.

    B1 phone 20 s (resolved), online 100 s (not resolved), counter 600 s (resolved), and an
    abandoned contact on each channel; B2 one counter contact, 300 s.
    """
    folder.mkdir(parents=True)
    pd.DataFrame(
        {
            "branch_id": ["B1", "B2"],
            "branch_name": ["One", "Two"],
            "region": ["N", "N"],
            "branch_type": ["standard", "standard"],
        }
    ).to_csv(folder / "branches.csv", index=False)
    pd.DataFrame(
        {
            "staff_id": ["R1", "T1", "T2"],
            "staff_name": ["Rep", "Teller", "Teller two"],
            "branch_id": ["B1", "B1", "B2"],
            "role": ["customer_service_rep", "teller", "teller"],
            "counter_type": [None, "cash", "cash"],
            "hire_date": ["2020-01-01"] * 3,
            "leave_date": [None] * 3,
        }
    ).to_csv(folder / "staff.csv", index=False)
    rows = [
        _contact("c1", "B1", "R1", "phone", 0, 20.0),
        _contact("c2", "B1", "R1", "online", 1, 100.0, resolved=False),
        _contact("c3", "B1", "T1", "counter", 2, 600.0),
        _contact("c4", "B1", None, "phone", 3, None),
        _contact("c5", "B1", None, "online", 4, None),
        _contact("c6", "B1", None, "counter", 5, None),
        _contact("c7", "B2", "T2", "counter", 6, 300.0),
    ]
    pd.DataFrame(rows).to_csv(folder / "contacts.csv", index=False)
    return folder


@pytest.fixture
def bank(tmp_path):
    return _bank(tmp_path / "bank")


def _kpis(folder: Path, options: MetricOptions | None = None) -> pd.DataFrame:
    with load_dataset(folder) as ds:
        return compute_kpis(ds, period=MONTH, options=options, period_types=("month",))


def _row(k: pd.DataFrame, kpi: str, level: str, entity: str) -> pd.Series | None:
    sel = k[(k.kpi == kpi) & (k.level == level) & (k.entity_id == entity)]
    assert len(sel) <= 1
    return None if sel.empty else sel.iloc[0]


def _value(k, kpi, level, entity) -> float:
    r = _row(k, kpi, level, entity)
    assert r is not None, (kpi, level, entity)
    return float(r.value)


def test_default_scope_at_every_level(bank):
    k = _kpis(bank)
    # response time: phone 20 s and online 100 s; the counter's 600 s is queue waiting time
    for level, entity in (("staff", "R1"), ("branch", "B1"), ("region", "N"), ("bank", "BANK")):
        assert _value(k, "response_time_seconds", level, entity) == pytest.approx(60.0), level
    assert _value(k, "queue_wait_seconds", "branch", "B1") == pytest.approx(600.0)
    assert _value(k, "queue_wait_seconds", "region", "N") == pytest.approx(450.0)
    # service level: 1 answered within 30 s of 4 remote contacts offered (2 answered, 2 abandoned)
    assert _value(k, "service_level", "branch", "B1") == pytest.approx(1 / 4)
    assert _value(k, "service_level", "bank", "BANK") == pytest.approx(1 / 4)
    assert _value(k, "service_level", "staff", "R1") == pytest.approx(1 / 2)  # of those R1 answered
    assert _value(k, "abandonment_rate", "branch", "B1") == pytest.approx(2 / 4)
    # resolution counts every channel: phone and counter resolved, online not
    assert _value(k, "resolution_rate", "branch", "B1") == pytest.approx(2 / 3)
    assert _value(k, "resolution_rate", "staff", "T1") == pytest.approx(1.0)
    # the teller answered only counter contacts: no response time or service level of theirs
    assert _row(k, "response_time_seconds", "staff", "T1") is None
    assert _row(k, "service_level", "staff", "T1") is None


def test_a_scope_with_no_contact_gives_no_value_never_zero(bank):
    k = _kpis(bank)
    # B2 has counter contacts only: its remote-queue KPIs are not available, not 0
    for kpi in ("response_time_seconds", "service_level", "abandonment_rate"):
        assert _row(k, kpi, "branch", "B2") is None, kpi
    assert _value(k, "queue_wait_seconds", "branch", "B2") == pytest.approx(300.0)


def _scheme_with(tmp_path: Path, channels_yaml: str, name: str = "s.yaml") -> Path:
    text = default_scheme_path().read_text(encoding="utf-8")
    start = text.index("  channels:\n")
    end = text.index("\nscoring:")
    path = tmp_path / name
    path.write_text(text[:start] + channels_yaml + text[end:], encoding="utf-8")
    return path


def test_scope_changed_in_yaml(bank, tmp_path):
    path = _scheme_with(
        tmp_path,
        "  channels:\n    response_time_seconds: [phone, counter, online]\n"
        "    resolution_rate: [phone, online]\n",
    )
    scheme = load_scheme(path)
    assert scheme.definitions.channels["response_time_seconds"] == ("phone", "counter", "online")
    assert scheme.definitions.channels["service_level"] == KPIS["service_level"].channels  # kept
    k = _kpis(bank, MetricOptions.from_scheme(scheme))
    assert _value(k, "response_time_seconds", "branch", "B1") == pytest.approx(240.0)
    assert _value(k, "response_time_seconds", "branch", "B2") == pytest.approx(300.0)
    assert _value(k, "response_time_seconds", "staff", "T1") == pytest.approx(600.0)
    assert _value(k, "resolution_rate", "branch", "B1") == pytest.approx(1 / 2)
    assert _row(k, "resolution_rate", "staff", "T1") is None
    assert _value(k, "service_level", "branch", "B1") == pytest.approx(1 / 4)


def test_scope_is_in_the_params_hash(tmp_path):
    default = load_scheme()
    spelled = load_scheme(_scheme_with(tmp_path, "  channels:\n    service_level: [online, phone]\n"))
    changed = load_scheme(_scheme_with(tmp_path, "  channels:\n    service_level: [phone]\n", "c.yaml"))
    none = load_scheme(_scheme_with(tmp_path, "", "n.yaml"))
    assert spelled.params_hash() == default.params_hash() == none.params_hash()
    assert changed.params_hash() != default.params_hash()
    assert Scheme.from_dict(changed.to_dict()) == changed


@pytest.mark.parametrize(
    ("yaml", "key", "expected"),
    [
        (
            "    service_level: [phone, fax]\n",
            "definitions.channels.service_level",
            "channels from phone, counter, online",
        ),
        ("    service_level: []\n", "definitions.channels.service_level", "non-empty list"),
        ("    service_level: [phone, phone]\n", "definitions.channels.service_level", "distinct"),
        ("    service_level: phone\n", "definitions.channels.service_level", "list"),
        (
            "    satisfaction_rate: [phone]\n",
            "definitions.channels.satisfaction_rate",
            "a contact KPI (response_time_seconds, service_level",
        ),
    ],
)
def test_a_bad_scope_is_refused_naming_the_key(tmp_path, yaml, key, expected):
    path = _scheme_with(tmp_path, "  channels:\n" + yaml)
    with pytest.raises(ParamsError) as err:
        load_scheme(path)
    msg = str(err.value)
    assert f"(key {key})" in msg and expected in msg and str(path) in msg


def test_a_bad_scope_stops_the_cli_before_writing(bank, tmp_path, capsys):
    from bankperf_analysis.cli.main import main

    bad = _scheme_with(tmp_path, "  channels:\n    response_time_seconds: [phone, fax]\n")
    out = tmp_path / "out"
    code = main(
        ["report", "--data", str(bank), "--quarter", QUARTER, "--scheme", str(bad), "--out", str(out)]
    )
    assert code == 2
    assert "definitions.channels.response_time_seconds" in capsys.readouterr().err
    assert not out.exists()


def test_metric_options_refuse_a_bad_scope():
    with pytest.raises(ParamsError, match="'channels' parameter of MetricOptions"):
        MetricOptions(channels={"service_level": ("fax",)})
    with pytest.raises(ParamsError, match="'channels' parameter of MetricOptions"):
        MetricOptions(channels={"churn_rate": ("phone",)})


def test_significance_reads_the_scope(bank):
    from bankperf_analysis.significance._sources import raw_scores

    before, after = Period.parse("2026-06"), Period.parse(MONTH)
    with load_dataset(bank) as ds:
        remote = raw_scores(ds, "response_time_seconds", "branch", before, after, None, "t")
        every = raw_scores(
            ds,
            "response_time_seconds",
            "branch",
            before,
            after,
            None,
            "t",
            MetricOptions(channels={"response_time_seconds": ("phone", "counter", "online")}),
        )
        queue = raw_scores(ds, "queue_wait_seconds", "branch", before, after, None, "t")
    assert sorted(remote.v) == [20.0, 100.0]
    assert sorted(every.v) == [20.0, 100.0, 300.0, 600.0]
    assert sorted(queue.v) == [300.0, 600.0]


def test_staff_scored_without_contacts_in_scope_is_insufficient(bank, tmp_path):
    from bankperf_analysis.scorecard import score_staff

    path = _scheme_with(tmp_path, "  channels:\n    response_time_seconds: [counter]\n")
    scheme = load_scheme(path)
    k = _kpis(bank, MetricOptions.from_scheme(scheme))
    with load_dataset(bank) as ds:
        staff = ds.table("staff")
    k = k.assign(period_type="quarter", period=QUARTER)  # the month is the whole quarter's data
    card = score_staff(k, scheme, QUARTER, staff)
    rt = card.kpis[(card.kpis.staff_id == "R1") & (card.kpis.kpi == "response_time_seconds")].iloc[0]
    assert rt.status in ("no data", "insufficient data") and math.isnan(rt.score)
    assert not rt.value == 0
    assert card.channels["response_time_seconds"] == ("counter",)


def test_workbook_states_the_channels(bank, tmp_path):
    from openpyxl import load_workbook

    from bankperf_analysis.scorecard import score_staff, write_scorecard

    scheme = load_scheme(_scheme_with(tmp_path, "  channels:\n    service_level: [phone]\n"))
    k = _kpis(bank, MetricOptions.from_scheme(scheme)).assign(period_type="quarter", period=QUARTER)
    with load_dataset(bank) as ds:
        card = score_staff(k, scheme, QUARTER, ds.table("staff"))
    out = tmp_path / "card.xlsx"
    write_scorecard(out, card, None, progress=False)
    about = {r[0]: r[1] for r in load_workbook(out)["About"].iter_rows(values_only=True)}
    assert about["channels: service_level (Service level / 服务水平)"] == "phone (电话)"
    assert about["channels: response_time_seconds (Average response time / 平均响应时间)"] == (
        "phone, online (电话、在线)"
    )
    assert about["channels: queue_wait_seconds (Queue waiting time / 排队等候时间)"] == "counter (柜台)"


def test_branch_report_says_which_channels_and_never_shows_zero(bank_copy, tmp_path):
    """A branch whose remote queues had no contact: its tiles say so; the note names the channels."""
    from bankperf_analysis.report import BranchReport, prepare_batch

    path = bank_copy / "contacts.parquet"
    c = pd.read_parquet(path)
    branch = str(sorted(c.branch_id.unique())[0])  # taken from the data
    c[(c.branch_id != branch) | (c.channel == "counter")].to_parquet(path, index=False)
    with load_dataset(bank_copy) as ds:
        quarter = str(ds.coverage()[1])
    shared = prepare_batch(bank_copy, quarter, tmp_path / "shared")
    for lang, insufficient, channels, note in (
        (
            "en",
            "insufficient data",
            "no contacts on its channels (phone, online)",
            "Contact channels counted",
        ),
        ("zh", "数据不足", "其统计渠道（电话、在线）无客户接触", "统计的客户接触渠道"),
    ):
        html = BranchReport(shared, branch, lang).kpi_tiles().html
        assert html.count(channels) == 2, lang  # response time and service level
        assert insufficient in html and note in html
        other = BranchReport(shared, str(sorted(c.branch_id.unique())[1]), lang).kpi_tiles().html
        assert channels not in other and note in other
    html = BranchReport(shared, branch, "en").kpi_tiles().html
    assert "Average response time, Service level: phone, online" in html
    assert "Queue waiting time: counter" in html and "Resolution rate: phone, counter, online" in html
