"""Encrypt or open a large backup file (a whole-database dump) with BACKUP_KEY, in a stream.

    BACKUP_KEY=... python -m shared.backup_seal seal bookbots-20311201T030000Z.dump
        -> bookbots-20311201T030000Z.dump.sealed (0600)
    BACKUP_KEY=... python -m shared.backup_seal open bookbots-...dump.sealed restored.dump

Contract: AES-256-GCM over 1 MiB chunks (the STREAM construction): the key is derived from
BACKUP_KEY and a per-file salt, each chunk's nonce is a per-file prefix, the chunk's number and
a last-chunk flag, and the header is authenticated with every chunk. So a wrong key, a flipped
bit, reordered chunks or a file cut short are all refused (`BackupKeyError`), memory stays
flat, and the output is written 0600 under a temporary name, renamed only when complete.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.backup_file import BackupError, BackupKeyError, derive_key
from shared.errors import SettingsError
from shared.settings import BackupSettings, Env, Secret, environment

MAGIC = b"BKBS\x01"
CHUNK = 1 << 20
_TAG, _SALT, _PREFIX = 16, 16, 7
_INFO = b"bookbots/v1/backup-stream"


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def seal_stream(source: BinaryIO, target: BinaryIO, key: Secret) -> None:
    salt, prefix = secrets.token_bytes(_SALT), secrets.token_bytes(_PREFIX)
    header = MAGIC + salt + prefix
    box = AESGCM(derive_key(key, salt, _INFO))
    target.write(header)
    chunk, counter = source.read(CHUNK), 0
    while True:
        following = source.read(CHUNK)
        last = not following
        target.write(box.encrypt(_nonce(prefix, counter, last), chunk, header))
        if last:
            return
        chunk, counter = following, counter + 1


def open_stream(source: BinaryIO, target: BinaryIO, key: Secret) -> None:
    header = source.read(len(MAGIC) + _SALT + _PREFIX)
    if not header.startswith(MAGIC) or len(header) < len(MAGIC) + _SALT + _PREFIX:
        raise BackupError("not a sealed BookBots backup")
    salt, prefix = header[len(MAGIC) : len(MAGIC) + _SALT], header[len(MAGIC) + _SALT :]
    box = AESGCM(derive_key(key, salt, _INFO))
    chunk, counter = source.read(CHUNK + _TAG), 0
    while True:
        following = source.read(CHUNK + _TAG)
        last = not following
        try:
            target.write(box.decrypt(_nonce(prefix, counter, last), chunk, header))
        except InvalidTag:
            raise BackupKeyError(
                "BACKUP_KEY does not open this backup (a different key, or a damaged or"
                " incomplete file)"
            ) from None
        if last:
            return
        chunk, counter = following, counter + 1


def transform(source: Path, target: Path, key: Secret, *, sealing: bool) -> None:
    """`source` sealed (or opened) into `target`, created 0600 and renamed when complete."""
    partial = target.with_name(target.name + ".partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with source.open("rb") as reader, os.fdopen(descriptor, "wb") as writer:
            (seal_stream if sealing else open_stream)(reader, writer, key)
            writer.flush()
            os.fsync(writer.fileno())
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)


def _run(args: list[str]) -> Path:
    if len(args) not in (2, 3) or args[0] not in ("seal", "open"):
        raise BackupError("usage: python -m shared.backup_seal seal|open FILE [OUTPUT]")
    key = BackupSettings.load(Env(environment())).key
    if key is None:
        raise BackupError("set BACKUP_KEY (the key the backups are sealed with)")
    source = Path(args[1])
    sealing = args[0] == "seal"
    default = source.with_name(source.name + ".sealed") if sealing else source.with_suffix("")
    target = Path(args[2]) if len(args) == 3 else default
    if target == source:
        raise BackupError("give an OUTPUT file name")
    transform(source, target, key, sealing=sealing)
    return target


def main(argv: list[str] | None = None) -> int:
    """Exit 0 done, 2 usage / key / refused file, 3 cannot read or write."""
    try:
        target = _run(sys.argv[1:] if argv is None else argv)
    except (BackupError, SettingsError) as error:
        sys.stderr.write(f"backup_seal: {error}\n")
        return 2
    except OSError as error:
        sys.stderr.write(f"backup_seal: {error.strerror}: {error.filename}\n")
        return 3
    sys.stdout.write(f"{target}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
