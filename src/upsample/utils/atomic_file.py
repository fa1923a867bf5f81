"""Files written all at once: the previous file or the new one, never half of one, no debris.

Everything upsample writes (``.keras`` files, weights, run records, figures,
dataset caches) goes through `atomic_write`: the bytes go to a temporary file
beside the target, which is flushed to disk and renamed over the target.  A
failed write leaves the previous file untouched, removes its temporary file and
raises an `OSError` that names the *target* (not the temporary file).

A process killed in the middle of a write (``kill -9``, the out-of-memory
killer, a power cut) cannot remove its temporary file, which may be hundreds of
MB.  So temporary files carry a recognisable name,
``.<target name>.upsample-<pid>-<random>.tmp``, and every write removes those
of its target left by a process that no longer runs.  (Linux's ``O_TMPFILE``
would leave nothing at all, but it exists on one system and some of its file
systems only, and needs this path as a fallback anyway: one path everywhere.)
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

_TEMPORARY_MARK = "upsample"
_TEMPORARY_SUFFIX = ".tmp"
# Temporary files this process is writing now: a file of our pid not in here was
# left by an earlier process that had the same pid (containers reuse small pids).
_in_progress: set[Path] = set()


@contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """A binary handle whose contents replace `path` when the ``with`` block ends without error.

    A new file is created as `open` would create it (0666 less the umask); an
    existing one keeps its permissions.
    """
    target = Path(path)
    _remove_stale_temporaries(target)
    temporary: Path | None = None
    try:
        temporary, descriptor = _create_temporary(target)
        with os.fdopen(descriptor, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        with suppress(FileNotFoundError):
            os.chmod(temporary, target.stat().st_mode & 0o7777)
        os.replace(temporary, target)
    except OSError as error:
        _discard(temporary)
        raise _naming(target, error) from error
    except BaseException:
        _discard(temporary)
        raise
    finally:
        if temporary is not None:
            _in_progress.discard(temporary)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Replace `path` by `data` atomically (see `atomic_write`)."""
    with atomic_write(path) as handle:
        handle.write(data)
    return Path(path)


def _temporary_pattern(target: Path) -> re.Pattern[str]:
    """The names of our temporary files for `target`; group 1 is the writer's pid."""
    return re.compile(
        rf"\.{re.escape(target.name)}\.{_TEMPORARY_MARK}-(\d+)-[0-9a-f]+{re.escape(_TEMPORARY_SUFFIX)}"
    )


def _remove_stale_temporaries(target: Path) -> list[Path]:
    """Delete `target`'s temporary files left by processes that no longer run; return them.

    Only names of our own pattern are touched, and a file that cannot be
    removed is left alone (the write itself reports real problems).
    """
    pattern = _temporary_pattern(target)
    removed = []
    with suppress(OSError):
        for entry in os.scandir(target.parent):
            match = pattern.fullmatch(entry.name)
            if match is None or _writer_may_be_running(int(match.group(1)), Path(entry.path)):
                continue
            with suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _create_temporary(target: Path) -> tuple[Path, int]:
    prefix = f".{target.name}.{_TEMPORARY_MARK}-{os.getpid()}-"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temporary = target.absolute().with_name(
            f"{prefix}{secrets.token_hex(4)}{_TEMPORARY_SUFFIX}"
        )
        try:
            descriptor = os.open(temporary, flags, 0o666)
        except FileExistsError:
            continue
        _in_progress.add(temporary)
        return temporary, descriptor


def _naming(target: Path, error: OSError) -> OSError:
    """`error` about `target`: the user asked for it, not for the temporary file."""
    if error.errno is None:
        return OSError(f"Cannot write {target}: {error}")
    # OSError(errno, ...) is the matching subclass (PermissionError, FileNotFoundError, ...).
    return OSError(error.errno, error.strerror, str(target))


def _discard(temporary: Path | None) -> None:
    if temporary is not None:
        with suppress(OSError):
            os.unlink(temporary)


def _writer_may_be_running(pid: int, temporary: Path) -> bool:
    if pid == os.getpid():
        return temporary.absolute() in _in_progress
    if os.name != "posix":
        return True  # Windows's os.kill would end the process, not test it: keep the file.
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it runs, as another user
    return True
