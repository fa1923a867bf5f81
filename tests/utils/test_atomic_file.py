"""Atomic writes: the old file or the new one, errors that name the target, no debris left."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from upsample.utils import atomic_file
from upsample.utils.atomic_file import atomic_write, write_bytes


def _names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_writes_the_bytes_and_keeps_an_existing_files_permissions(tmp_path: Path) -> None:
    target = tmp_path / "model.keras"
    write_bytes(target, b"old")
    target.chmod(0o640)
    write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o640
    assert _names(tmp_path) == ["model.keras"]


def test_a_new_file_gets_the_permissions_open_would_give_it(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        write_bytes(tmp_path / "a.json", b"{}")
    finally:
        os.umask(umask)
    assert (tmp_path / "a.json").stat().st_mode & 0o777 == 0o644


def test_a_writer_that_fails_halfway_leaves_the_previous_file_and_no_debris(
    tmp_path: Path,
) -> None:
    target = tmp_path / "model.keras"
    target.write_bytes(b"previous")
    with (
        pytest.raises(OSError, match="No space left on device") as caught,
        atomic_write(target) as handle,
    ):
        handle.write(b"half of the new file")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert caught.value.filename == str(target)  # the target, not the temporary file
    assert target.read_bytes() == b"previous"
    assert _names(tmp_path) == ["model.keras"]


def test_an_interrupted_writer_leaves_the_previous_file_and_no_debris(tmp_path: Path) -> None:
    target = tmp_path / "history.json"
    target.write_bytes(b"previous")
    with pytest.raises(KeyboardInterrupt), atomic_write(target) as handle:
        handle.write(b"partial")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"previous"
    assert _names(tmp_path) == ["history.json"]


def test_a_failing_rename_names_the_target_and_removes_the_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "model.keras"
    target.write_bytes(b"previous")

    def refuse(source: object, destination: object) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(source))

    monkeypatch.setattr(atomic_file.os, "replace", refuse)
    with pytest.raises(PermissionError) as caught:
        write_bytes(target, b"new")
    assert caught.value.filename == str(target)
    assert ".tmp" not in str(caught.value)
    assert target.read_bytes() == b"previous"
    assert _names(tmp_path) == ["model.keras"]


def test_a_missing_folder_is_reported_with_the_target(tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "model.keras"
    with pytest.raises(FileNotFoundError) as caught:
        write_bytes(target, b"data")
    assert caught.value.filename == str(target)
    assert str(target) in str(caught.value)


def test_a_folder_in_the_way_is_reported_with_the_target(tmp_path: Path) -> None:
    target = tmp_path / "model.keras"
    target.mkdir()
    with pytest.raises(OSError) as caught:
        write_bytes(target, b"data")
    assert caught.value.filename == str(target)
    assert _names(tmp_path) == ["model.keras"]


def test_an_error_without_errno_still_names_the_target(tmp_path: Path) -> None:
    target = tmp_path / "a.png"
    with (
        pytest.raises(OSError, match=rf"Cannot write {target}: disk on fire"),
        atomic_write(target),
    ):
        raise OSError("disk on fire")


def _temporary_name(target: str, pid: int) -> str:
    return f".{target}.upsample-{pid}-0123abcd.tmp"


def _finished_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                           capture_output=True, text=True)  # fmt: skip
    return int(child.stdout)


def test_the_next_write_removes_temporary_files_of_dead_writers_only(tmp_path: Path) -> None:
    dead, alive = _finished_pid(), os.getppid()
    stale = [
        _temporary_name("model.keras", dead),
        _temporary_name("model.keras", os.getpid()),  # an earlier process with our pid
    ]
    kept = [
        _temporary_name("model.keras", alive),  # a writer that still runs
        _temporary_name("other.keras", dead),  # another target's
        ".model.keras.k3j2x9.tmp",  # not our pattern
        "model.keras.upsample-1-0123abcd.tmp",  # not hidden: not ours
    ]
    for name in stale + kept:
        (tmp_path / name).write_bytes(b"x" * 100)
    write_bytes(tmp_path / "model.keras", b"model")
    assert _names(tmp_path) == sorted([*kept, "model.keras"])


def test_a_write_killed_midway_leaves_a_file_that_the_next_write_removes(tmp_path: Path) -> None:
    target = tmp_path / "model.keras"
    target.write_bytes(b"previous")
    script = (
        "import sys, time\n"
        "from upsample.utils.atomic_file import atomic_write\n"
        "with atomic_write(sys.argv[1]) as handle:\n"
        "    handle.write(b'x' * 1_000_000); handle.flush()\n"
        "    print('writing', flush=True); time.sleep(60)\n"
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", script, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    writer.stdout.close()
    (debris,) = (name for name in _names(tmp_path) if name != "model.keras")
    assert debris.startswith(f".model.keras.upsample-{writer.pid}-")
    assert target.read_bytes() == b"previous"
    write_bytes(target, b"new")
    assert _names(tmp_path) == ["model.keras"]
    assert target.read_bytes() == b"new"
