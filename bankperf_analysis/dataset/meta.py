"""``dataset.yaml``: what a data folder declares about itself, read and checked strictly.

A data folder may carry a ``dataset.yaml`` (a DuckDB file or a workbook ``bank.xlsx`` a
``bank.yaml`` beside it). Every key is optional; an unknown key is refused rather than
ignored (a misspelt ``holiday:`` would otherwise silently drop the holidays):

- ``name``, ``name_zh`` (its Chinese form), ``description``, ``currency``: text;
- ``first_period``, ``last_period``: the first and last reporting period (``2025Q1``),
  both or neither; dated rows outside them are errors;
- ``holidays``: a list of dates ``YYYY-MM-DD`` (staffing: not business days);
- ``encoding``: the encoding of every CSV file, and ``encodings``: per table
  (``{staff: gbk}``), one of :data:`ENCODINGS`;
- ``seed``, ``scale``: written by the demo generator.

The parsed content is part of the dataset's fingerprint (:func:`meta_text`), so adding a
holiday changes the fingerprint, the report cache key and the footer.

Examples
--------
>>> meta, issues = check_meta({"first_period": "2025Q1", "last_period": "2026Q4",
...                            "holidays": ["2025-10-01"], "encodings": {"staff": "GBK"}})
>>> issues, meta["encodings"]
([], {'staff': 'gbk'})
>>> _, issues = check_meta({"holiday": ["2025-10-01"]})
>>> issues[0].column, issues[0].value
('holiday', 'an unknown key')
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import yaml

from bankperf_analysis._atomic import atomic_write
from bankperf_analysis.dataset._issues import UnreadableIssue, raise_issues, unreadable
from bankperf_analysis.dataset.schema import CONTRACT
from bankperf_analysis.exceptions import BankPerfError
from bankperf_analysis.periods import Period

__all__ = [
    "META_FILE",
    "ENCODINGS",
    "KEYS",
    "meta_path",
    "load_meta",
    "read_meta",
    "write_meta",
    "check_meta",
]

#: Metadata file a data folder may carry (written by the demo generator).
META_FILE = "dataset.yaml"
#: Encodings a CSV file may be declared in (``utf-8-sig``: UTF-8 with a byte-order mark).
ENCODINGS: tuple[str, ...] = ("utf-8", "utf-8-sig", "gb18030", "gbk")
_ALIASES = {
    "utf8": "utf-8",
    "utf_8": "utf-8",
    "utf8-sig": "utf-8-sig",
    "utf_8_sig": "utf-8-sig",
    "cp936": "gbk",
}

#: Every key dataset.yaml may hold, with what it must be (README "Data").
KEYS: dict[str, str] = {
    "name": "text: the dataset's name",
    "name_zh": "text: the dataset's name in Chinese (the appraisal sheets' bank in zh)",
    "description": "text",
    "currency": "text, e.g. CNY",
    "first_period": "the first reporting period, e.g. 2025Q1 (with last_period)",
    "last_period": "the last reporting period, e.g. 2026Q4 (with first_period)",
    "holidays": "a list of dates YYYY-MM-DD",
    "encoding": f"the encoding of every CSV file: one of {', '.join(ENCODINGS)}",
    "encodings": f"table: encoding pairs, e.g. {{staff: gbk}}, encodings among {', '.join(ENCODINGS)}",
    "seed": "an integer (demo generator)",
    "scale": "text (demo generator)",
}


def meta_path(root: Path) -> Path:
    """Where the metadata of ``root`` lives: ``root/dataset.yaml``, or ``<file>.yaml`` beside a file."""
    return root / META_FILE if root.is_dir() else root.with_suffix(".yaml")


def load_meta(root: Path) -> tuple[dict, list[UnreadableIssue]]:
    """The checked metadata of ``root`` (``{}`` when there is none) and every problem met."""
    path = meta_path(root)
    if not path.is_file():
        return {}, []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return {}, [
            unreadable(
                "",
                path.name,
                f"byte 0x{exc.object[exc.start]:02x} at offset {exc.start}",
                "a UTF-8 text file",
            )
        ]
    except OSError as exc:
        return {}, [unreadable("", path.name, f"{type(exc).__name__}: {exc.strerror}", "a readable file")]
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        return {}, [_syntax_issue(path.name, exc)]
    return check_meta({} if data is None else data, path.name)


def read_meta(root: Path) -> dict:
    """The checked metadata of ``root``, or ``{}``.

    Raises
    ------
    UnreadableInputError
        If the file is not valid YAML or has a wrong structure (every problem listed).
    """
    meta, issues = load_meta(root)
    raise_issues(issues)
    return meta


def write_meta(folder: str | Path, **meta) -> Path:
    """Write ``dataset.yaml`` (name, first/last period...) into a data folder."""
    return atomic_write(Path(folder) / META_FILE, yaml.safe_dump(meta, sort_keys=True, allow_unicode=True))


def check_meta(data: Any, file: str = META_FILE) -> tuple[dict, list[UnreadableIssue]]:
    """Check the parsed content of a dataset.yaml; return it normalised, and every problem."""
    if not isinstance(data, dict):
        got = f"a {type(data).__name__}"
        return {}, [unreadable("", file, got, "a mapping of keys: " + ", ".join(KEYS))]
    issues: list[UnreadableIssue] = []
    meta: dict[str, Any] = {}
    for key, value in data.items():
        if key not in KEYS:
            issues.append(
                unreadable("", file, "an unknown key", "one of the keys " + ", ".join(KEYS), column=str(key))
            )
            continue
        try:
            meta[key] = _CHECKS[key](value)
        except (ValueError, TypeError, BankPerfError):
            issues.append(unreadable("", file, _show(value), KEYS[key], column=key))
    if ("first_period" in meta) != ("last_period" in meta):
        have = "first_period" if "first_period" in meta else "last_period"
        issues.append(
            unreadable("", file, f"only {have}", "first_period and last_period together", column=have)
        )
    elif (
        "first_period" in meta
        and Period.parse(meta["first_period"]).start > Period.parse(meta["last_period"]).start
    ):
        value = f"{meta['first_period']} after {meta['last_period']}"
        issues.append(
            unreadable("", file, value, "first_period on or before last_period", column="first_period")
        )
    return meta, issues


def declared_encodings(meta: dict) -> dict[str, str]:
    """Table -> the CSV encoding dataset.yaml declares for it (``encodings`` over ``encoding``)."""
    every: str | None = meta.get("encoding")
    per: dict[str, str] = meta.get("encodings") or {}
    out: dict[str, str] = {}
    for t in CONTRACT:
        if enc := per.get(t, every):
            out[t] = enc
    return out


def meta_text(meta: dict) -> str:
    """Canonical text of checked metadata, for the fingerprint (``""`` when there is none)."""
    if not meta:
        return ""
    canon = dict(meta)
    if "holidays" in canon:
        canon["holidays"] = sorted(set(canon["holidays"]))
    return json.dumps(canon, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# ----------------------------------------------------------------------------- value checks


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def _period(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(value)
    return str(Period.parse(str(value)))


def _date(value: Any) -> str:
    if isinstance(value, dt.datetime) or not isinstance(value, (str, dt.date)):
        raise TypeError(value)
    if isinstance(value, str):
        value = dt.date.fromisoformat(value.strip()) if len(value.strip()) == 10 else None
        if value is None:
            raise ValueError("not YYYY-MM-DD")
    return value.isoformat()


def _holidays(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise TypeError(value)
    return [_date(v) for v in value]


def _encoding(value: Any) -> str:
    name = _text(value).strip().lower()
    name = _ALIASES.get(name, name)
    if name not in ENCODINGS:
        raise ValueError(value)
    return name


def _encodings(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(k in CONTRACT for k in value):
        raise TypeError(value)
    return {str(k): _encoding(v) for k, v in value.items()}


def _seed(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(value)
    return value


_CHECKS = {
    "name": _text,
    "name_zh": _text,
    "description": _text,
    "currency": _text,
    "first_period": _period,
    "last_period": _period,
    "holidays": _holidays,
    "encoding": _encoding,
    "encodings": _encodings,
    "seed": _seed,
    "scale": _text,
}


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _syntax_issue(file: str, exc: yaml.YAMLError) -> UnreadableIssue:
    """A YAML syntax error: the line it was found on and what the parser said."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    line = None if mark is None else mark.line + 1
    where = "" if mark is None else f"line {mark.line + 1}, column {mark.column + 1}: "
    return unreadable(
        "", file, f"{where}{problem}", "valid YAML: a mapping of keys (" + ", ".join(KEYS) + ")", row=line
    )


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a key given twice (YAML would silently keep the last)."""

    def construct_mapping(self, node, deep=False):
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} appears twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)
