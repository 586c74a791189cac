"""The runner's HTML exporter: nbconvert's page without nbconvert's BeautifulSoup post-pass.

The reference is nbconvert's own :class:`nbconvert.HTMLExporter` on the same template: the
visible text and the images must be the same, and every image must carry ``alt`` text.
"""

from __future__ import annotations

import base64

import nbformat
import pytest
from bs4 import BeautifulSoup

from bankperf_analysis.runner.render import (
    NO_ALT_TEXT,
    REPORT_TEMPLATE,
    TEMPLATES,
    add_missing_alt,
    make_exporter,
)

# A 1x1 PNG
_PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8cfc0f01f0005fe02fea7d6a4"
        "0b0000000049454e44ae426082"
    )
).decode()


def _notebook():
    v4 = nbformat.v4
    cells = [
        v4.new_markdown_cell("## Satisfaction & complaints 满意度\n\nA *note* with &lt;escaped&gt; text."),
        v4.new_code_cell("x", outputs=[v4.new_output("display_data", {"image/png": _PNG})]),
        v4.new_code_cell(
            "y",
            outputs=[
                v4.new_output(
                    "display_data",
                    {
                        "text/html": (
                            '<h3 id="t">Table</h3><table class="dataframe"><tr><th>王&nbsp;伟</th>'
                            f'<td>85.2 %<br><img src="data:image/png;base64,{_PNG}"></td></tr></table>'
                            f'<p>Chart <img alt="kept" src="data:image/png;base64,{_PNG}"></p>'
                        )
                    },
                )
            ],
        ),
        v4.new_code_cell("z", outputs=[v4.new_output("stream", name="stdout", text="plain <text>\n")]),
    ]
    nb = v4.new_notebook(cells=cells)
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def _reference_page(nb) -> str:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        extra_template_basedirs=[str(TEMPLATES)],
        template_name=REPORT_TEMPLATE,
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    resources = {"bankperf": {"title": "T", "html_lang": "en", "input_key": "ab", "css": ""}}
    return exporter.from_notebook_node(nb, resources=resources)[0]


def _page(nb) -> str:
    resources = {"bankperf": {"title": "T", "html_lang": "en", "input_key": "ab", "css": ""}}
    return make_exporter().from_notebook_node(nb, resources=resources)[0]


def _text(page: str) -> list[str]:
    soup = BeautifulSoup(page, "html.parser")
    return [s.strip() for s in soup.get_text("\n").split("\n") if s.strip()]


def test_same_visible_text_and_images_as_nbconvert():
    nb = _notebook()
    ours, ref = _page(nb), _reference_page(nb)
    assert _text(ours) == _text(ref)
    assert "王\xa0伟" in _text(ours)  # the entity is the same character after parsing
    imgs = [(i.get("src"), i.get("alt")) for i in BeautifulSoup(ours, "html.parser").find_all("img")]
    ref_imgs = [(i.get("src"), i.get("alt")) for i in BeautifulSoup(ref, "html.parser").find_all("img")]
    assert imgs == ref_imgs
    assert len(imgs) == 3


def test_every_image_has_alt_text_and_given_alt_is_kept():
    page = _page(_notebook())
    alts = [i.get("alt") for i in BeautifulSoup(page, "html.parser").find_all("img")]
    assert alts == ["", NO_ALT_TEXT, "kept"]  # the template's figure, the bare img, the given one


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<img src="a">', f'<img alt="{NO_ALT_TEXT}" src="a">'),
        ("<IMG\nsrc='a'/>", f"<IMG alt=\"{NO_ALT_TEXT}\"\nsrc='a'/>"),
        ('<img src="a" alt="x">', '<img src="a" alt="x">'),
        ('<img alt src="a">', '<img alt src="a">'),  # an alt attribute without a value is one
        ('<img src="a" data-alt="x">', f'<img alt="{NO_ALT_TEXT}" src="a" data-alt="x">'),
        ("<p>img alt</p><imgx>", "<p>img alt</p><imgx>"),  # not an img tag
    ],
)
def test_add_missing_alt_cases(html, expected):
    assert add_missing_alt(html) == expected
