"""The scheme's post rules (定编): minimum posts per branch type and the posts counted as sales staff.

Kept apart from ``parse.py`` (at its size limit). Source 003 措施(二)(2):
"所有网点至少配备专职大堂经理和非现金柜员各1名,精品网点至少增配1名个人客户经理,理财中心和营业部至少
增配1名理财参谋[理财顾问]和1名大堂副理"; and 措施(二)1, the sales team "以网点负责人为核心,包括大堂经理、
客户经理、理财经理、非现金柜员".

``staffing.minimum_posts``
    ``every_branch: {post: people}`` applies to every branch (所有网点); an entry per branch type
    (:data:`~bankperf_analysis.dataset.schema.BRANCH_TYPES`) *adds* its posts (增配). A post is a
    role of ``staff.role`` or ``non_cash_teller`` (a teller at a ``non_cash`` counter), see
    :data:`~bankperf_analysis.dataset.schema.POSTS`. Left out: :data:`SOURCE_MINIMUM_POSTS`.
``staffing.sales_roles``
    The posts counted as sales staff (roles, or ``non_cash_teller``); a role and a post that
    refines it (``teller`` and ``non_cash_teller``) may not both be listed (a teller would count
    twice).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bankperf_analysis._validation import param_error
from bankperf_analysis.dataset.schema import BRANCH_TYPES, POSTS

if TYPE_CHECKING:  # pragma: no cover
    from bankperf_analysis.scheme.parse import _V

__all__ = [
    "EVERY_BRANCH",
    "MinimumPosts",
    "SOURCE_MINIMUM_POSTS",
    "as_minimum_posts",
    "minimum_posts_dict",
    "parse_minimum_posts",
    "parse_sales_roles",
]

#: The key of ``staffing.minimum_posts`` whose posts every branch needs.
EVERY_BRANCH = "every_branch"

_Posts = tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class MinimumPosts:
    """Minimum posts: those of every branch, and those each branch type adds (post, people).

    Examples
    --------
    >>> SOURCE_MINIMUM_POSTS.for_type("flagship")
    {'lobby_manager': 1, 'non_cash_teller': 1, 'customer_manager': 1}
    >>> SOURCE_MINIMUM_POSTS.for_type("standard")
    {'lobby_manager': 1, 'non_cash_teller': 1}
    """

    every_branch: _Posts
    by_type: tuple[tuple[str, _Posts], ...] = ()

    def added(self, branch_type: str) -> dict[str, int]:
        """The posts ``branch_type`` adds to every branch's (none for a type not listed)."""
        return dict(dict(self.by_type).get(branch_type, ()))

    def for_type(self, branch_type: str) -> dict[str, int]:
        """Every post a branch of ``branch_type`` needs, with its people, in the scheme's order."""
        out = dict(self.every_branch)
        for post, n in self.added(branch_type).items():
            out[post] = out.get(post, 0) + n
        return {p: n for p, n in out.items() if n > 0}


#: Source 003's rules, used when a scheme leaves ``staffing.minimum_posts`` out. 理财中心 and 营业部
#: keep the 精品网点's personal customer manager: 003 speaks of "精品以上" (精品 and above), read
#: here as a ladder (the team's reading; the packaged scheme says so too).
SOURCE_MINIMUM_POSTS = MinimumPosts(
    every_branch=(("lobby_manager", 1), ("non_cash_teller", 1)),
    by_type=(
        ("flagship", (("customer_manager", 1),)),
        ("wealth_center", (("customer_manager", 1), ("financial_advisor", 1), ("deputy_lobby_manager", 1))),
        (
            "business_department",
            (("customer_manager", 1), ("financial_advisor", 1), ("deputy_lobby_manager", 1)),
        ),
    ),
)


def parse_minimum_posts(v: _V, raw: Any) -> MinimumPosts:
    """``staffing.minimum_posts`` validated (left out: :data:`SOURCE_MINIMUM_POSTS`)."""
    if raw is None:
        return SOURCE_MINIMUM_POSTS
    path = "staffing.minimum_posts"
    d = v.mapping(raw, "'minimum_posts' of the staffing", path)
    v.keys(d, "'minimum_posts' of the staffing", path, (EVERY_BRANCH,), BRANCH_TYPES)
    every = _posts(v, d[EVERY_BRANCH], f"{path}.{EVERY_BRANCH}")
    by_type = tuple((bt, _posts(v, d[bt], f"{path}.{bt}")) for bt in BRANCH_TYPES if bt in d)
    return MinimumPosts(every, by_type)


def _posts(v: _V, raw: Any, path: str) -> _Posts:
    if raw is None:
        return ()
    d = v.mapping(raw, f"posts of {path}", path)
    out = []
    for post, n in d.items():
        v.choice(post, "post", f"{path} (key {post!r})", tuple(POSTS))
        out.append((str(post), v.integer(n, f"number of '{post}' posts", f"{path}.{post}", 0)))
    return tuple(out)


def parse_sales_roles(v: _V, raw: Any) -> tuple[str, ...]:
    """``staffing.sales_roles``: posts (roles, or ``non_cash_teller``), none refining another listed."""
    path = "staffing.sales_roles"
    if not isinstance(raw, list):
        v.fail("'sales_roles' of the staffing", path, "a list of roles", raw)
    for i, post in enumerate(raw):
        v.choice(post, "sales role", f"{path}[{i}]", tuple(POSTS))
    for i, post in enumerate(raw):
        role, counter = POSTS[post]
        if counter is not None and role in raw:
            v.fail(
                "'sales_roles' of the staffing",
                f"{path}[{i}]",
                f"posts that do not overlap ('{post}' is a '{role}', which is listed too)",
                raw,
            )
    if len(set(raw)) != len(raw):
        v.fail("'sales_roles' of the staffing", path, "a list of distinct roles", raw)
    return tuple(raw)


def minimum_posts_dict(mp: MinimumPosts) -> dict[str, Any]:
    """``mp`` as the scheme's ``staffing.minimum_posts`` mapping."""
    return {EVERY_BRANCH: dict(mp.every_branch), **{bt: dict(p) for bt, p in mp.by_type}}


def as_minimum_posts(value: Any, owner: str) -> MinimumPosts:
    """A :class:`MinimumPosts` from itself or from a ``minimum_posts`` mapping, validated as the scheme's."""
    from bankperf_analysis.scheme.parse import _V

    if isinstance(value, MinimumPosts):
        return value
    if not isinstance(value, Mapping):
        raise param_error("minimum_posts", owner, "a MinimumPosts or a mapping like the scheme's", value)
    return parse_minimum_posts(_V(f"the 'minimum_posts' parameter of {owner}"), value)
