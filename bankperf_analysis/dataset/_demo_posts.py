"""The demo bank's posts (定编, source 003 措施(二)): branch types, sales posts and one planted shortfall.

Issue 17, item 4 made the minimum posts per branch type and the sales-staff share (营销人员
>= 50 %: lobby, customer and wealth managers and non-cash tellers) scheme rules. Without these
posts every demo branch failed the share (9 of 25 staff: representatives are not sales staff),
and the branch report's plan added customer managers everywhere. So, in the default and tiny
banks (``DemoScale.posts_demo``):

- the 2nd branch is a 理财中心 (``wealth_center``) and the 3rd a 营业部
  (``business_department``): each gets its 理财顾问 (``financial_advisor``) and 大堂副理
  (``deputy_lobby_manager``);
- half the tellers (rounded up) sit at non-cash counters (one third before);
- every branch has wealth managers (理财经理), one more than the fewest that bring its sales
  staff to the scheme's 50 %;
- the planted short branch (``DemoScale.sales_short_branch``) has two fewer than that fewest, so
  it fails the share and nothing else.

The extra posts come after every other post, with their own random stream: the other posts'
staff, attributes and records are drawn as before. The benchmark bank keeps its staff
(``posts_demo`` off): its figures in the README were measured on it.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from bankperf_analysis.dataset._demo_world import World

#: Branch types planted by position (0-based), when the scale plants posts.
PLANTED_TYPES = {1: "wealth_center", 2: "business_department"}
#: The posts each planted type adds (003: 理财中心和营业部至少增配1名理财参谋和1名大堂副理).
TYPE_POSTS = ("financial_advisor", "deputy_lobby_manager")
#: Roles only the extra posts hold: unscored by the scheme, so the demo draws no training or
#: qualitative ratings for them (and the other staff's draws stay as they were).
EXTRA_ROLES = ("wealth_manager", *TYPE_POSTS)
#: The sales-staff share the demo's posts are built around (the scheme's staffing.min_sales_share).
SALES_SHARE = 0.5
#: The sales posts among ``roles_per_branch`` (non-cash tellers are counted from the tellers).
_SALES_ROLES = ("lobby_manager", "customer_manager")


def non_cash_tellers(k: int, posts_demo: bool) -> int:
    """How many of a branch's ``k`` tellers sit at non-cash counters.

    Examples
    --------
    >>> non_cash_tellers(7, True), non_cash_tellers(7, False), non_cash_tellers(2, False)
    (4, 2, 1)
    """
    return (k + 1) // 2 if posts_demo else max(1, k // 3)


def branch_types(nb: int, posts_demo: bool) -> np.ndarray:
    """Every 6th branch a 精品网点 (``flagship``); with ``posts_demo`` the planted 理财中心 and 营业部.

    Examples
    --------
    >>> branch_types(4, True).tolist()
    ['flagship', 'wealth_center', 'business_department', 'standard']
    """
    out = np.where(np.arange(nb) % 6 == 0, "flagship", "standard").astype(object)
    if posts_demo:
        for b, kind in PLANTED_TYPES.items():
            if b < nb:
                out[b] = kind
    return out


def wealth_managers(w: World, b: int) -> int:
    """Wealth managers of branch ``b``: one above the fewest for a 50 % sales share (planted: 2 below).

    Examples
    --------
    The default bank's standard branch: 25 staff, 11 of them sales staff (2 lobby and 5 customer
    managers, 4 non-cash tellers), so 3 wealth managers reach 14 of 28 and the branch gets 4:

    >>> from bankperf_analysis.dataset._demo_world import SCALES, World
    >>> w = World(SCALES["default"], 20261)
    >>> wealth_managers(w, 3), wealth_managers(w, 1), wealth_managers(w, w.scale.sales_short_branch)
    (4, 6, 1)
    """
    roles = w.scale.roles_per_branch
    staff = sum(roles.values()) + (len(TYPE_POSTS) if w.branch_type[b] in PLANTED_TYPES.values() else 0)
    sales = sum(roles.get(r, 0) for r in _SALES_ROLES) + non_cash_tellers(roles.get("teller", 0), True)
    fewest = max(0, math.ceil((SALES_SHARE * staff - sales) / (1.0 - SALES_SHARE) - 1e-9))
    return max(0, fewest - 2) if b == w.scale.sales_short_branch else fewest + 1


def extra_posts(w: World, first_post: int) -> pd.DataFrame:
    """The planted types' posts and the wealth managers, numbered from ``first_post`` (no turnover).

    Columns as :meth:`World._make_staff`'s rows, with the staff attributes drawn from the
    ``posts`` stream.
    """
    from bankperf_analysis.dataset._demo_world import with_attributes

    rng = w.rng("posts")
    rows = []
    post = first_post
    for b, bid in enumerate(w.branch_ids):
        roles = ["wealth_manager"] * wealth_managers(w, b)
        if w.branch_type[b] in PLANTED_TYPES.values():
            roles += list(TYPE_POSTS)
        for role in roles:
            hire = w.start - dt.timedelta(days=int(rng.integers(60, 3000)))
            rows.append((post, b, bid, role, None, hire, None))
            post += 1
    df = pd.DataFrame(
        rows, columns=["post", "b", "branch_id", "role", "counter_type", "hire_date", "leave_date"]
    )
    return with_attributes(df, rng)


def posts_truth(w: World) -> dict | None:
    """The planted posts as ``truth.json`` reports them (``posts``; None when the scale plants none)."""
    if not w.scale.posts_demo:
        return None
    nb = w.scale.n_branches
    short = w.scale.sales_short_branch
    return {
        "branch_types": {str(w.branch_ids[b]): kind for b, kind in PLANTED_TYPES.items() if b < nb},
        "type_posts": list(TYPE_POSTS),
        "wealth_managers": {str(w.branch_ids[b]): wealth_managers(w, b) for b in range(nb)},
        "sales_short_branch": str(w.branch_ids[short]) if 0 <= short < nb else None,
        "note": (
            "Every branch meets its type's minimum posts; every branch but sales_short_branch has sales "
            "staff (lobby, customer and wealth managers, non-cash tellers) >= 50 % of its staff, from one "
            "wealth manager above the fewest needed; sales_short_branch has two fewer than the fewest."
        ),
    }
