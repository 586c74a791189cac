"""Plan a report run: validate every item before anything is written, and key its inputs.

Each item becomes a :class:`Planned` report: its quarter, its file name
(:mod:`bankperf_analysis.runner.names`: any id is accepted, unsafe or reserved ones get a
slug plus a hash), the notebook parameters it passes (only parameters the notebook's
``parameters`` cell declares, each a value that papermill translates faithfully: ``"0012"``
stays a string) and its input key (:func:`bankperf_analysis.runner.cache.input_key`).
"""

from __future__ import annotations

import keyword
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.runner.cache import input_key
from bankperf_analysis.runner.items import ReportItem
from bankperf_analysis.runner.names import SAFE_ID, check_distinct, check_explicit_stem, report_stems

__all__ = ["SAFE_ID", "META_KEYS", "Planned", "plan_items", "declared_parameters"]

#: Item keys that describe the report rather than parametrize the notebook. They are
#: passed to the notebook too when its ``parameters`` cell declares them.
META_KEYS = ("id", "title", "headline", "fingerprint", "params_hash")
#: Python type of each parameter type papermill infers from an annotation.
_DECLARED_TYPES: dict[str, type | tuple[type, ...]] = {
    "str": str,
    "int": int,
    "float": (int, float),
    "bool": bool,
}


@dataclass(slots=True)
class Planned:
    """One validated report: its item, quarter, file name, notebook parameters and input key."""

    item: ReportItem
    quarter: str
    params: dict[str, Any]
    key: str
    fingerprint: str
    params_hash: str
    file: str = ""


def plan_items(
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
    code_digest: str,
    footer: Sequence[tuple[str, str]] = (),
) -> list[Planned]:
    """Validate every item (before anything is written), name its file and key its inputs.

    ``nb_digest`` is the hash of the notebook file and ``code_digest`` the digest of
    the package's code (:func:`bankperf_analysis._provenance.code_digest`); with the
    item's parameters, lang, title, data fingerprint, params hash and the extra footer
    rows (scheme file, data encodings) they make the key.
    """
    declared = _declared_for_run(nb_path, with_shared_inputs)
    planned: list[Planned] = []
    seen: set[tuple[str, str]] = set()
    for raw in items:
        item = ReportItem.from_mapping(raw, id_param=id_param)
        _check_item_id(item.id)
        fp = item.fingerprint if item.fingerprint is not None else fingerprint
        ph = item.params_hash if item.params_hash is not None else params_hash
        defaults = {"lang": lang, "quarter": quarter, "fingerprint": fp, "params_hash": ph}
        params = _item_parameters(
            item, declared, nb_path.name, defaults, with_shared_inputs=with_shared_inputs
        )
        q = _item_quarter(item, params, quarter)
        if (q, item.id) in seen:
            raise ParamsError(f"The item id {item.id!r} appears twice for quarter {q}.")
        seen.add((q, item.id))
        key = input_key(
            notebook=nb_digest,
            params={k: v for k, v in params.items() if k != "shared_inputs"},
            lang=lang,
            fingerprint=fp,
            params_hash=ph,
            title=item.title,
            code=code_digest,
            footer=footer,
        )
        planned.append(Planned(item, q, params, key, fp or "", ph or ""))
    if not planned:
        raise ParamsError("run_reports got no item to run.")
    _name_files(planned)
    return planned


def _check_item_id(value: Any) -> str:
    """An item id is any non-empty text (its file name is derived from it)."""
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        raise ParamsError(
            f"The item id must be a non-empty string without NUL characters. Got {value!r} instead."
        )
    return value


def _name_files(planned: list[Planned]) -> None:
    """Give every report its file name, distinct within each quarter folder.

    Items with an explicit ``file`` keep it; the others get :func:`report_stems` of the
    ids of their quarter, avoiding the explicit names.
    """
    for q in dict.fromkeys(p.quarter for p in planned):
        mine = [p for p in planned if p.quarter == q]
        explicit = {p.item.id: check_explicit_stem(p.item.file, p.item.id) for p in mine if p.item.file}
        check_distinct(explicit)
        derived = report_stems([p.item.id for p in mine if not p.item.file], taken=explicit.values())
        for p in mine:
            p.file = explicit.get(p.item.id) or derived[p.item.id]


def _declared_for_run(nb_path: Path, with_shared_inputs: bool) -> dict[str, dict[str, Any]]:
    """The notebook's declared parameters; it must declare ``shared_inputs`` to get them."""
    declared = declared_parameters(nb_path)
    if with_shared_inputs and "shared_inputs" not in declared:
        raise ParamsError(
            f"run_reports got a 'prepare' callable but {nb_path.name} declares no "
            "'shared_inputs' parameter to receive its result."
        )
    return declared


def _item_parameters(
    item: ReportItem,
    declared: Mapping[str, Mapping[str, Any]],
    nb_name: str,
    defaults: Mapping[str, Any],
    *,
    with_shared_inputs: bool,
) -> dict[str, Any]:
    """The parameters passed to the notebook for ``item``: declared, defaulted, checked."""
    params = _declared_only(item, declared, nb_name)
    for key, value in defaults.items():
        if key in declared and key not in params and value is not None:
            params[key] = value
    lang = defaults["lang"]
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
    return {
        key: _check_value(key, value, declared[key]["inferred_type_name"], item.id)
        for key, value in params.items()
    }


def _declared_only(item: ReportItem, declared: Mapping[str, Any], nb_name: str) -> dict[str, Any]:
    """The item's parameters, refusing names that are not identifiers or not declared.

    Metadata keys (:data:`META_KEYS`) the notebook does not declare are dropped.
    """
    params = dict(item.params)
    for key in list(params):
        if not isinstance(key, str) or not key.isidentifier() or keyword.iskeyword(key):
            raise ParamsError(
                f"The parameter names of item {item.id!r} must be Python identifiers. Got {key!r} instead."
            )
        if key not in declared:
            if key in META_KEYS:
                params.pop(key)
                continue
            raise ParamsError(
                f"The parameter {key!r} of item {item.id!r} is not declared in the "
                f"'parameters' cell of {nb_name}; declared: {sorted(declared)}."
            )
    return params


def _item_quarter(item: ReportItem, params: Mapping[str, Any], quarter: str | None) -> str:
    """The quarter folder of the item: its ``quarter`` parameter, else the run's."""
    q = params.get("quarter", quarter)
    if q is None:
        raise ParamsError(
            f"Item {item.id!r} has no quarter: pass quarter=... to run_reports or a "
            "'quarter' parameter in the item."
        )
    return _check_id(str(q), "quarter")


def _check_id(value: Any, what: str) -> str:
    """Return ``value`` if it is a safe folder name (:data:`SAFE_ID`, no ``..``)."""
    if not isinstance(value, str) or not SAFE_ID.fullmatch(value) or ".." in value:
        raise ParamsError(
            f"The {what} must be a safe file name (letters, digits, '_', '.', '-'; "
            f"starting with a letter or digit; at most 64 characters; no '..'). "
            f"Got {value!r} instead."
        )
    return value


def _plain(v: Any) -> bool:
    """True for a value papermill writes as a Python literal: str, int, finite float, ..."""
    if v is None or isinstance(v, str | bool | int):
        return True
    if isinstance(v, float):
        return math.isfinite(v)
    if isinstance(v, list | tuple):
        return all(_plain(x) for x in v)
    if isinstance(v, Mapping):
        return all(isinstance(k, str) and _plain(x) for k, x in v.items())
    return False


def _check_value(name: str, value: Any, declared_type: str, item_id: str) -> Any:
    """Check a parameter value is something papermill translates faithfully."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)

    def bad(expected: str) -> ParamsError:
        return ParamsError(
            f"The parameter {name!r} of item {item_id!r} must be {expected}. "
            f"Got {value!r} ({type(value).__name__}) instead."
        )

    if not _plain(value):
        raise bad("a str, int, finite float, bool, None, or a list/dict of those")
    expected = _DECLARED_TYPES.get(declared_type)
    if expected is not None and value is not None:
        if isinstance(value, bool) and declared_type != "bool":
            raise bad(f"a {declared_type} (declared so in the notebook)")
        if not isinstance(value, expected):
            raise bad(f"a {declared_type} (declared so in the notebook)")
    return value


def declared_parameters(nb_path: Path) -> dict[str, dict[str, Any]]:
    """The parameters the notebook's ``parameters`` cell declares (papermill's inspection).

    Raises :class:`~bankperf_analysis.exceptions.ParamsError` when the notebook cannot
    be read or declares none.
    """
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
