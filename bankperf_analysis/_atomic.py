"""Write files atomically: a crash or an error leaves the old file or the new one, never half.

Every file the package publishes (reports, the index, workbooks, shared report inputs,
the demo bank) is written through :func:`atomic_write`: to a hidden temporary file in the
destination's folder (``.<name>.<random>.tmp``, so the rename stays on one file system),
flushed to disk, then renamed over the destination with :func:`os.replace`. A temporary
file is removed when the write fails; :func:`remove_stale_temps` clears those left by a
killed process.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = ["atomic_write", "atomic_write_many", "remove_stale_temps"]

#: What to write: the text or bytes themselves, or a callable that writes the whole
#: file at the temporary path it is given (``lambda tmp: frame.to_parquet(tmp)``).
Content = str | bytes | Callable[[Path], object]


def atomic_write(dest: str | os.PathLike, content: Content) -> Path:
    """Write one file atomically.

    Parameters
    ----------
    dest : str or path
        The final path; its folder is created if needed.
    content : str, bytes or callable
        Text (written as UTF-8), bytes, or ``write(tmp_path)`` that writes the file.

    Returns
    -------
    Path
        ``dest``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> atomic_write(folder / "a.txt", "hello").read_text()
    'hello'
    >>> def fail(tmp):
    ...     raise RuntimeError("disk full")
    >>> try:
    ...     atomic_write(folder / "a.txt", fail)
    ... except RuntimeError:
    ...     pass
    >>> (folder / "a.txt").read_text(), sorted(p.name for p in folder.iterdir())
    ('hello', ['a.txt'])
    """
    return atomic_write_many([(dest, content)])[0]


def atomic_write_many(jobs: Iterable[tuple[str | os.PathLike, Content]]) -> list[Path]:
    """Write several files, then publish them together.

    Every file is written to its temporary path first; only when all writes succeeded are
    they renamed over their destinations. If any write fails, no destination changes.

    Parameters
    ----------
    jobs : iterable of (dest, content)
        As for :func:`atomic_write`.

    Returns
    -------
    list of Path
        The destinations, in order.
    """
    pairs = [(Path(dest), content) for dest, content in jobs]
    tmps: list[Path] = []
    try:
        for dest, content in pairs:
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
            tmp = Path(name)
            tmps.append(tmp)
            _fill(fd, tmp, content)
        for (dest, _), tmp in zip(pairs, tmps, strict=True):
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; publish like open() would
            os.replace(tmp, dest)
    except BaseException:
        for tmp in tmps:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        raise
    return [dest for dest, _ in pairs]


def _fill(fd: int, tmp: Path, content: Content) -> None:
    if callable(content):
        os.close(fd)
        content(tmp)
        return
    data = content.encode("utf-8") if isinstance(content, str) else content
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


@functools.cache
def _umask() -> int:
    # Read once: os.umask can only be read by setting it, which is not thread-safe.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def remove_stale_temps(folder: str | os.PathLike) -> int:
    """Remove temporary files left by an interrupted write (``.<name>.*.tmp``).

    Parameters
    ----------
    folder : str or path
        The folder to clean (not recursive).

    Returns
    -------
    int
        How many files were removed.
    """
    n = 0
    for p in Path(folder).glob(".*.tmp"):
        with contextlib.suppress(OSError):
            p.unlink()
            n += 1
    return n
