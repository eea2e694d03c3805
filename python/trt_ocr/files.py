"""Files written whole or not at all: results, caches, converted models and engines.

A new file's content goes to a temporary file beside it, is flushed to disk and then renamed
over the target, so readers, concurrent runs and interrupted ones see the old file or the new
one, never part of one; a failure leaves the target untouched and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

#: The longest file name, in bytes, that common file systems (ext4, XFS, APFS, NTFS) take.
NAME_MAX = 255
_TMP_EXTRA = len(".") + 2 * 4 + len("..tmp")  # what a temporary name adds to the target's


def _temporary_beside(path: Path) -> tuple[int, Path]:
    """A new file with a free name next to path, opened for writing: (descriptor, its path).
    Created with mode 0o666 like any file open() makes, so the user's umask sets its
    permissions (tempfile's would be 0o600, and a rename keeps them). The name is path's,
    cut short where needed so that a target of up to NAME_MAX bytes has a temporary too."""
    # In the file system's bytes (a name may not be UTF-8), cut whole: a cut byte sequence of
    # a UTF-8 character decodes to the surrogates that stand for its bytes, and encodes back.
    stem = os.fsdecode(os.fsencode(path.name)[: NAME_MAX - _TMP_EXTRA])
    for _ in range(100):
        tmp = path.parent / f".{stem}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name next to {path}")


@contextlib.contextmanager
def atomic_file(
    path: Path, mode: str = "wb", *, before_rename: Callable[[Path], None] | None = None
) -> Iterator[IO[Any]]:
    """A file to write path's new content to (mode "wb", or "w" for UTF-8 text); it replaces
    path when the block ends. If the block raises, path is untouched and the temporary file
    is gone. before_rename(temporary path): a last step on the complete file (e.g. an
    extended attribute) before it takes path's place. path's folder must exist."""
    if mode not in ("wb", "w"):
        raise ValueError(f"mode must be 'wb' or 'w', got {mode!r}")
    fd, tmp = _temporary_beside(Path(path))
    try:
        encoding = "utf-8" if mode == "w" else None
        with open(fd, mode, encoding=encoding) as f:  # noqa: PTH123 - a descriptor, not a path
            yield f
            f.flush()
            os.fsync(f.fileno())
        if before_rename is not None:
            before_rename(tmp)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def can_create_in(folder: Path) -> OSError | None:
    """None when a file can be created in folder (one is made and removed again), else why
    not: permission bits alone do not tell (read-only mounts, /proc, quotas)."""
    try:
        fd, tmp = _temporary_beside(folder / "probe")
    except OSError as e:
        return e
    os.close(fd)
    tmp.unlink(missing_ok=True)
    return None


def atomic_write(path: Path, data: bytes | str) -> None:
    """data as path's new content through atomic_file (str: as UTF-8 text)."""
    with atomic_file(path, "w" if isinstance(data, str) else "wb") as f:
        f.write(data)
