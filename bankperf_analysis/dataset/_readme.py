"""Regenerate the generated sections of README.md: ``python -m bankperf_analysis.dataset._readme``.

tests/test_schema.py fails when README.md's data-contract table differs from
:func:`bankperf_analysis.dataset.schema.contract_markdown`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bankperf_analysis.dataset.schema import contract_markdown

START, END = "<!-- contract:start -->", "<!-- contract:end -->"


def contract_section(readme_text: str) -> str:
    """The text between the contract markers of README.md."""
    a = readme_text.index(START) + len(START)
    b = readme_text.index(END)
    return readme_text[a:b].strip("\n")


def update(path: Path) -> bool:
    """Rewrite the contract section of ``path``; return True if it changed."""
    text = path.read_text(encoding="utf-8")
    a = text.index(START) + len(START)
    b = text.index(END)
    new = text[:a] + "\n" + contract_markdown() + "\n" + text[b:]
    if new != text:
        path.write_text(new, encoding="utf-8")
        return True
    return False


if __name__ == "__main__":  # pragma: no cover
    readme = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("README.md")
    print("updated" if update(readme) else "up to date")
