"""Sealing a whole-database dump with BACKUP_KEY (`python -m shared.backup_seal`): the round
trip is exact across chunks, files are 0600, and a wrong key, a cut-short file or a flipped
bit are refused without leaving an output behind."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from shared import backup_seal
from shared.backup_file import BackupKeyError
from shared.backup_seal import CHUNK, transform
from shared.settings import Secret

pytestmark = pytest.mark.integration

KEY = Secret(secrets.token_urlsafe(32))


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    path = tmp_path / "bookbots-20311201T030000Z.dump"
    path.write_bytes(secrets.token_bytes(3 * CHUNK + 12345))
    return path


def test_a_sealed_dump_opens_to_the_same_bytes_and_stays_private(dump: Path) -> None:
    sealed = dump.with_name(dump.name + ".sealed")
    opened = dump.with_name("opened.dump")
    transform(dump, sealed, KEY, sealing=True)
    transform(sealed, opened, KEY, sealing=False)

    assert opened.read_bytes() == dump.read_bytes()
    assert dump.read_bytes()[:4096] not in sealed.read_bytes()
    assert {p.stat().st_mode & 0o777 for p in (sealed, opened)} == {0o600}


def test_a_wrong_key_a_short_file_and_a_flipped_bit_are_refused(dump: Path) -> None:
    sealed = dump.with_name(dump.name + ".sealed")
    transform(dump, sealed, KEY, sealing=True)
    data = sealed.read_bytes()
    out = dump.with_name("out.dump")

    with pytest.raises(BackupKeyError, match="does not open this backup"):
        transform(sealed, out, Secret(secrets.token_urlsafe(32)), sealing=False)
    short = dump.with_name("short.sealed")
    short.write_bytes(data[: len(data) - (len(data) - 28) % (CHUNK + 16) - 1])
    with pytest.raises(BackupKeyError):
        transform(short, out, KEY, sealing=False)
    cut = dump.with_name("cut.sealed")  # whole chunks only: the last-chunk flag catches it
    cut.write_bytes(data[: 28 + 2 * (CHUNK + 16)])
    with pytest.raises(BackupKeyError):
        transform(cut, out, KEY, sealing=False)
    flipped = dump.with_name("flipped.sealed")
    flipped.write_bytes(data[:100] + bytes([data[100] ^ 1]) + data[101:])
    with pytest.raises(BackupKeyError):
        transform(flipped, out, KEY, sealing=False)
    assert not out.exists()
    assert not list(dump.parent.glob("*.partial"))


def test_the_command_needs_the_key_and_says_so(
    dump: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("BACKUP_KEY", raising=False)
    assert backup_seal.main(["seal", str(dump)]) == 2
    assert "set BACKUP_KEY" in capsys.readouterr().err
    monkeypatch.setenv("BACKUP_KEY", KEY.reveal())
    assert backup_seal.main(["seal", str(dump)]) == 0
    sealed = Path(capsys.readouterr().out.strip())
    monkeypatch.setenv("BACKUP_KEY", secrets.token_urlsafe(32))
    assert backup_seal.main(["open", str(sealed), str(dump.with_name("x.dump"))]) == 2
    assert "BACKUP_KEY does not open this backup" in capsys.readouterr().err
