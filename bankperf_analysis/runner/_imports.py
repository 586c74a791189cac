"""Process start-up: keep papermill's import from building a grammar nobody uses.

papermill imports nbformat, which imports ``jsonschema``; when the optional package
``rfc3987_syntax`` is installed (``jsonschema[format-nongpl]``, pulled in by the Jupyter
stack), ``jsonschema`` imports it to check the ``iri`` string format, and that import builds
a Lark grammar: 1.5 s on an idle core, 6 s and more on a busy machine, in every process that
imports papermill -- the ``bankperf`` command (where an unchanged re-run has nothing else to
do) and each report worker. No notebook schema uses the ``iri`` format, so the processes the
package owns (the ``bankperf`` command and its workers, never a library user's process)
mark the module as absent before anything imports ``jsonschema``; ``jsonschema`` then skips
that one format checker, as it does when the package is not installed.
"""

from __future__ import annotations

import sys

__all__ = ["skip_unused_format_checker"]


def skip_unused_format_checker() -> None:
    """Mark ``rfc3987_syntax`` absent unless it is already imported (then nothing changes).

    Examples
    --------
    >>> skip_unused_format_checker()
    >>> import jsonschema  # the iri checker is skipped, every other format is checked
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
