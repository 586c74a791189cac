"""The notebooks' text parameters, checked in the first cell after the ``parameters`` cell.

papermill's ``-p NAME VALUE`` reads a value that looks like a number as a number: ``-p
branch_id 0012`` injects the integer 12, and ``-p year 2026`` the integer 2026. A branch id is
text (``0012`` and ``12`` are different branches), so a notebook never guesses: it refuses
any text parameter that did not arrive as text, and says to pass it with ``-r`` (raw text).
The runner (``bankperf report``) always passes text.
"""

from __future__ import annotations

from typing import Any

from bankperf_analysis.exceptions import ParamsError

__all__ = ["check_text_params"]

#: What the ``-r`` example shows for a parameter (what a user would type), by name.
_EXAMPLES = {"branch_id": "0012", "quarter": "2026Q4", "year": "2026"}


def check_text_params(notebook: str, **params: Any) -> None:
    """Refuse a notebook parameter that must be text but is not (papermill's ``-p 0012`` gives 12).

    Parameters
    ----------
    notebook : str
        The notebook's file name, named in the message (``"branch_quarter.ipynb"``).
    **params
        The parameters declared ``str`` in the notebook's ``parameters`` cell, by name.

    Raises
    ------
    ParamsError
        Naming every parameter that is not a ``str``, its value and type, and the fix:
        pass it as raw text with papermill's ``-r`` (``-r branch_id 0012``).

    Examples
    --------
    >>> check_text_params("branch_quarter.ipynb", branch_id="0012", quarter="2026Q4")
    >>> try:
    ...     check_text_params("branch_quarter.ipynb", branch_id=12)
    ... except ParamsError as err:
    ...     print(err)  # doctest: +ELLIPSIS
    The 'branch_id' parameter of branch_quarter.ipynb must be a str (text). Got 12 (an int) instead.
    papermill's -p reads ... e.g. papermill branch_quarter.ipynb OUT.ipynb -r branch_id 0012
    """
    wrong = {name: value for name, value in params.items() if not isinstance(value, str)}
    if not wrong:
        return
    lines = [
        f"The {name!r} parameter of {notebook} must be a str (text). Got {value!r} "
        f"(a{'n' if type(value).__name__[0] in 'aeiou' else ''} {type(value).__name__}) instead."
        for name, value in wrong.items()
    ]
    raw = " ".join(f"-r {name} {_EXAMPLES.get(name, value)}" for name, value in wrong.items())
    lines.append(
        "papermill's -p reads a value that looks like a number as a number (-p branch_id 0012 gives the "
        "integer 12, and 12 and 0012 are different branches); nothing is guessed. Pass the value as raw "
        f"text with -r, exactly as the data write it, e.g. papermill {notebook} OUT.ipynb {raw}"
    )
    raise ParamsError("\n".join(lines))
