"""Post rules of a branch (定编, source 003 措施(二)): minimum posts per branch type and the sales share.

A *post* is a role of ``staff.role`` or the non-cash teller (a ``teller`` whose ``counter_type``
is ``non_cash``), :data:`~bankperf_analysis.dataset.schema.POSTS`. :func:`post_counts` counts the
posts of every branch; :func:`sales_staff` is the one definition of the sales staff (营销人员)
that the post check and the plan's top-up (:mod:`bankperf_analysis.staffing.plan_tables`) both
use; :func:`check_minimum_posts` checks each branch against the minimum posts of its type and the
sales share.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from bankperf_analysis._validation import check_unit_interval, param_error
from bankperf_analysis.dataset.schema import BRANCH_TYPES, POSTS
from bankperf_analysis.i18n import ROLE_KEYS, t
from bankperf_analysis.scheme._posts import SOURCE_MINIMUM_POSTS, MinimumPosts, as_minimum_posts
from bankperf_analysis.staffing._checks import require_columns

__all__ = ["DEFAULT_SALES_ROLES", "post_counts", "sales_staff", "check_minimum_posts", "post_noun"]

#: Posts counted as sales staff (source 003 措施(二)1: 大堂经理, 客户经理, 理财经理, 非现金柜员); the
#: packaged scheme's ``staffing.sales_roles``.
DEFAULT_SALES_ROLES: tuple[str, ...] = (
    "lobby_manager",
    "customer_manager",
    "wealth_manager",
    "non_cash_teller",
)


def _check_posts(posts: Iterable[str], name: str, owner: str) -> tuple[str, ...]:
    out = tuple(posts)
    bad = [p for p in out if p not in POSTS]
    if bad or isinstance(posts, str):
        raise param_error(name, owner, "a sequence of posts (" + ", ".join(POSTS) + ")", bad or posts)
    return out


def post_counts(staff: pd.DataFrame, posts: Iterable[str] = tuple(POSTS)) -> pd.DataFrame:
    """Distinct staff of every post per branch, and all staff (``n_staff``).

    Parameters
    ----------
    staff : pandas.DataFrame
        Columns ``staff_id``, ``role``, ``counter_type``; with ``branch_id``, one row per branch
        (sorted), else one row with index ``None``.
    posts : iterable of str
        Posts to count (roles, or ``non_cash_teller``).

    Returns
    -------
    pandas.DataFrame
        Index branch, columns ``n_staff`` and each post (int).

    Examples
    --------
    >>> s = pd.DataFrame({"staff_id": [1, 2, 3], "role": ["teller", "teller", "lobby_manager"],
    ...                   "counter_type": ["cash", "non_cash", None]})
    >>> post_counts(s, ["teller", "non_cash_teller"]).iloc[0].tolist()
    [3, 2, 1]
    """
    posts = _check_posts(posts, "posts", "post_counts")
    require_columns(staff, ["staff_id", "role", "counter_type"], "staff")
    by_branch = "branch_id" in staff.columns
    key = staff["branch_id"] if by_branch else pd.Series(0, index=staff.index)
    masks = {"n_staff": pd.Series(True, index=staff.index)}
    for p in posts:
        role, counter = POSTS[p]
        masks[p] = (staff["role"] == role) & (True if counter is None else staff["counter_type"] == counter)
    sid = staff["staff_id"]
    counts = pd.DataFrame({k: sid.where(m).groupby(key, sort=True).nunique() for k, m in masks.items()})
    if not by_branch:  # one group, even without staff
        counts = counts.reindex([0], fill_value=0).set_axis([None])
    return counts.fillna(0).astype(np.int64)


def sales_staff(counts: pd.DataFrame, sales_roles: Iterable[str]) -> pd.Series:
    """Sales staff (营销人员) of each row of post counts: the sum of the sales posts' columns.

    The one definition used by :func:`check_minimum_posts` (counts of staff) and by the staffing
    plan's top-up (counts of planned headcount). A post missing from ``counts`` counts 0.

    Parameters
    ----------
    counts : pandas.DataFrame
        One column per post (roles, ``non_cash_teller``), e.g. from :func:`post_counts`.
    sales_roles : iterable of str
        Posts counted as sales staff; none may refine another listed one (``teller`` with
        ``non_cash_teller`` would count a non-cash teller twice).

    Returns
    -------
    pandas.Series
        Sales staff per row (int).

    Examples
    --------
    >>> c = pd.DataFrame({"lobby_manager": [1], "teller": [3], "non_cash_teller": [1]})
    >>> int(sales_staff(c, ["lobby_manager", "non_cash_teller"]).iloc[0])
    2
    """
    posts = _check_posts(sales_roles, "sales_roles", "sales_staff")
    for p in posts:
        if POSTS[p][1] is not None and POSTS[p][0] in posts:
            raise param_error(
                "sales_roles", "sales_staff", f"posts that do not overlap ({p} is a {POSTS[p][0]})", posts
            )
    cols = [p for p in dict.fromkeys(posts) if p in counts.columns]
    return (
        counts[cols].sum(axis=1).astype(np.int64)
        if cols
        else pd.Series(0, index=counts.index, dtype=np.int64)
    )


def post_noun(post: str, lang: str = "en") -> str:
    """Name of a post in ``lang``: its role's label, or the non-cash teller's.

    Examples
    --------
    >>> post_noun("non_cash_teller", "zh"), post_noun("financial_advisor", "zh")
    ('非现金柜员', '理财顾问')
    """
    return t(post if post in ROLE_KEYS else f"stf_rule_{post}", lang)


def check_minimum_posts(
    staff: pd.DataFrame,
    *,
    branches: pd.DataFrame | None = None,
    minimum_posts: Any = None,
    sales_roles: Iterable[str] = DEFAULT_SALES_ROLES,
    min_sales_share: float = 0.5,
) -> pd.DataFrame:
    """Check each branch's minimum posts for its type and its sales-staff share (source 003).

    Rules: the posts ``minimum_posts`` gives every branch (a lobby manager and a non-cash teller
    by default) plus those of the branch's type (精品网点 ``flagship``: a customer manager;
    理财中心 ``wealth_center`` and 营业部 ``business_department``: also a financial advisor and a
    deputy lobby manager); sales staff (:func:`sales_staff`) at least ``min_sales_share`` of the
    branch's staff.

    Parameters
    ----------
    staff : pandas.DataFrame
        Columns ``staff_id``, ``role``, ``counter_type``; with a ``branch_id`` column every branch
        is checked separately.
    branches : pandas.DataFrame, optional
        ``branch_id`` and ``branch_type`` of every branch of ``staff``; without it only the posts
        of every branch are checked.
    minimum_posts : MinimumPosts or mapping, optional
        The scheme's ``staffing.minimum_posts`` (default: source 003's rules).
    sales_roles : iterable of str
        Posts counted as sales staff.
    min_sales_share : float in (0, 1), default 0.5
        Minimum share of sales staff.

    Returns
    -------
    pandas.DataFrame
        One row per (branch and) rule, branches in order and each branch's posts in the scheme's
        order, then ``sales_share``: (``branch_id``, ``branch_type``,) ``rule`` (a post, or
        ``sales_share``), ``required``, ``actual``, ``passed``, ``message`` (in English).

    Examples
    --------
    >>> s = pd.DataFrame({"staff_id": [1, 2, 3], "role": ["lobby_manager", "teller",
    ...                   "customer_manager"], "counter_type": [None, "non_cash", None]})
    >>> check_minimum_posts(s)["passed"].tolist()
    [True, True, True]
    """
    owner = "check_minimum_posts"
    require_columns(staff, ["staff_id", "role", "counter_type"], "staff")
    check_unit_interval(min_sales_share, "min_sales_share", owner)
    mp = SOURCE_MINIMUM_POSTS if minimum_posts is None else as_minimum_posts(minimum_posts, owner)
    sales = _check_posts(sales_roles, "sales_roles", owner)
    by_branch = "branch_id" in staff.columns
    counts = post_counts(staff, tuple(POSTS))
    if counts.empty:
        return pd.DataFrame([])
    types = _branch_types(counts.index, branches, by_branch, owner)
    counts["n_sales"] = sales_staff(counts, sales)
    return _post_rules(
        counts, types, mp, sales, min_sales_share, by_branch=by_branch, typed=branches is not None
    )


def _branch_types(
    index: pd.Index, branches: pd.DataFrame | None, by_branch: bool, owner: str
) -> list[str | None]:
    """The type of every branch of ``index`` (None without ``branches``); refuse unknown ones."""
    if branches is None:
        return [None] * len(index)
    if not by_branch:
        raise param_error("branches", owner, "given only with a 'branch_id' column in staff", "a frame")
    require_columns(branches, ["branch_id", "branch_type"], "branches")
    bt = branches.drop_duplicates("branch_id").set_index("branch_id")["branch_type"]
    missing = list(index[~index.isin(bt.index)])
    if missing:
        raise param_error("branches", owner, "a row for every branch of staff", f"none for {missing[:5]}")
    bad = sorted({str(x) for x in bt if x not in BRANCH_TYPES})
    if bad:
        raise param_error("branches", owner, "branch types among " + ", ".join(BRANCH_TYPES), bad)
    return [str(x) for x in bt.reindex(index)]


def _post_rules(
    counts: pd.DataFrame,
    types: list[str | None],
    mp: MinimumPosts,
    sales: tuple[str, ...],
    share_min: float,
    *,
    by_branch: bool,
    typed: bool,
) -> pd.DataFrame:
    """Every branch's post rows (its type's posts, in order) and its sales-share row."""
    rules = {bt: mp.for_type(bt) if bt is not None else dict(mp.every_branch) for bt in dict.fromkeys(types)}
    rows: list[dict[str, Any]] = []
    named = ", ".join(sales)
    # Columns and nouns read once: the loop below calls no Python function per branch
    # (tests/test_staffing_scale.py counts them), only builds each branch's rows.
    posts = {post for r in rules.values() for post in r}
    have = {post: counts[post].to_numpy() for post in posts}
    nouns = {post: post_noun(post).lower() for post in posts}
    for i, (b, bt, n_staff, n_sales) in enumerate(
        zip(counts.index, types, counts["n_staff"], counts["n_sales"], strict=True)
    ):
        who = ("" if b is None else f"Branch {b}") + (f" ({bt})" if bt is not None else "")
        who = f"{who}: " if who else ""
        for post, req in rules[bt].items():
            x = int(have[post][i])
            ok = x >= req
            msg = f"{who}{x} {nouns[post]}(s); at least {req} required."
            rows.append(
                {"branch_id": b, "branch_type": bt, "rule": post, "required": float(req), "actual": float(x),
                 "passed": bool(ok), "message": ("OK - " if ok else "FAIL - ") + msg}
            )  # fmt: skip
        share = n_sales / n_staff if n_staff else 0.0
        ok = bool(n_staff > 0 and share >= share_min - 1e-12)
        msg = (
            f"{who}sales staff {n_sales} of {n_staff} ({share:.0%}); at least {share_min:.0%} required "
            f"(sales posts: {named})."
        )
        rows.append(
            {"branch_id": b, "branch_type": bt, "rule": "sales_share", "required": float(share_min),
             "actual": float(share), "passed": ok, "message": ("OK - " if ok else "FAIL - ") + msg}
        )  # fmt: skip
    out = pd.DataFrame(rows)
    drop = ([] if by_branch else ["branch_id"]) + ([] if typed else ["branch_type"])
    return out.drop(columns=drop)
