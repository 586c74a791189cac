"""The safety check of a rendered report: no live or external content may be published.

A report carries no JavaScript and loads nothing from the network by design (its template
has neither, and its Content-Security-Policy forbids both). A notebook output that brings
either in — an unescaped name holding ``<script>``, an event handler, a CDN image — makes
the report fail instead of being published.

:func:`unsafe_content` *parses* the page with the standard library's
:class:`html.parser.HTMLParser`, so it judges what a browser would run or load: real tags,
real attributes, the text of real ``<style>`` elements and ``style`` attributes. Text that
was escaped correctly (a staff name ``@import url(x)`` or ``<script>`` shown as text) is
data, and never trips it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["unsafe_content"]

#: Elements that run code, embed other documents or change where the page loads from.
_LIVE_TAGS = frozenset(
    {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "link", "form", "portal"}
)
#: Attributes that load a resource when the page is shown.
_LOAD_ATTRS = frozenset(
    {"src", "srcset", "poster", "data", "background", "action", "formaction", "lowsrc", "dynsrc", "ping"}
)
#: Attributes that navigate or reference another resource.
_LINK_ATTRS = frozenset({"href", "xlink:href", "cite", "longdesc", "usemap", "manifest", "codebase"})
# Browsers ignore ASCII whitespace and control characters inside a URL scheme.
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")
_SCRIPT_SCHEME = re.compile(r"^(?:javascript|vbscript|livescript|mocha):", re.I)
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.\-]*:)?//", re.I)
_ANY_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.I)
_CSS_IMPORT = re.compile(r"@import", re.I)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)\s*(.*?)\1\s*\)", re.I | re.S)
_CSS_EXPRESSION = re.compile(r"expression\s*\(|behavior\s*:|-moz-binding|image-set\s*\(", re.I)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})\s?|(.))", re.S)


def _url(value: str) -> str:
    return _IGNORED_IN_SCHEME.sub("", value)


def _css_unescape(css: str) -> str:
    """CSS as the browser reads it, escapes decoded (a backslash, 75, space, rl( is url()."""

    def one(m: re.Match) -> str:
        if m.group(1):
            code = int(m.group(1), 16)
            return chr(code) if 0 < code <= 0x10FFFF else "\ufffd"
        return m.group(2)

    return _CSS_ESCAPE.sub(one, css)


def _css_problems(css: str) -> list[str]:
    """What a piece of real CSS (a ``<style>`` element or a ``style`` attribute) would load or run."""
    css = _css_unescape(_CSS_COMMENT.sub("", css))
    found = []
    if _CSS_IMPORT.search(css):
        found.append("a CSS @import")
    for _, target in _CSS_URL.findall(css):
        if not _url(target).lower().startswith("data:"):
            found.append(f"a CSS url({target.strip()[:60]})")
    if _CSS_EXPRESSION.search(css):
        found.append("a CSS expression or binding")
    return found


class _Inspector(HTMLParser):
    """Collects every live or external construct of a page, with where it is."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._style_depth = 0

    def _add(self, what: str) -> None:
        line, col = self.getpos()
        self.problems.append(f"{what} (line {line}, column {col + 1})")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _LIVE_TAGS:
            self._add(f"a <{tag}> tag")
        if tag == "meta" and any(k == "http-equiv" for k, _ in attrs):
            self._add("a <meta http-equiv> tag")
        if tag == "style":
            self._style_depth += 1
        for name, value in attrs:
            self._attribute(tag, name, value or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "style":
            self._style_depth -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "style" and self._style_depth:
            self._style_depth -= 1

    def handle_data(self, data: str) -> None:
        if self._style_depth:
            for problem in _css_problems(data):
                self._add(f"{problem} in a <style> element")

    def _attribute(self, tag: str, name: str, value: str) -> None:
        url = _url(value)
        if name.startswith("on"):
            self._add(f"an inline event handler ({name}=) on <{tag}>")
        elif _SCRIPT_SCHEME.match(url):
            self._add(f"a javascript: URL in {name}= of <{tag}>")
        elif name == "style":
            for problem in _css_problems(value):
                self._add(f"{problem} in the style of <{tag}>")
        elif name == "srcset":
            for candidate in value.split(","):
                self._url_attribute(tag, name, _url(candidate.strip().split(" ")[0]))
        elif name in _LOAD_ATTRS or name in _LINK_ATTRS:
            self._url_attribute(tag, name, url)

    def _url_attribute(self, tag: str, name: str, url: str) -> None:
        scheme = _ANY_SCHEME.match(url)
        if _EXTERNAL.match(url):
            self._add(f"an external URL in {name}= of <{tag}>: {url[:80]!r}")
        elif scheme and name in _LOAD_ATTRS and scheme.group(1).lower() != "data":
            self._add(f"a {scheme.group(1)}: URL in {name}= of <{tag}>")
        elif scheme and name in _LINK_ATTRS and scheme.group(1).lower() not in ("mailto", "tel"):
            self._add(f"a {scheme.group(1)}: link in {name}= of <{tag}>")


def unsafe_content(page: str) -> list[str]:
    """Describe the live or external content in the body of a rendered report (empty if none).

    The body is the page from its ``<main`` element on (the template's own head holds the
    inline CSS and the security policy). The page is parsed, so escaped text never counts.

    Examples
    --------
    >>> unsafe_content("<main><p>&lt;script&gt; @import url(http://x)</p></main>")
    []
    >>> unsafe_content("<main><script>alert(1)</script></main>")
    ['a <script> tag (line 1, column 7)']
    >>> unsafe_content('<main><div style="background:url(http://x/y.png)"></div></main>')
    ['a CSS url(http://x/y.png) in the style of <div> (line 1, column 7)']
    """
    start = page.find("<main")
    inspector = _Inspector()
    inspector.feed(page[start:] if start >= 0 else page)
    inspector.close()
    return inspector.problems
