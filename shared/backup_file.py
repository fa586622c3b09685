"""Backup files: private from their first byte, optionally encrypted, refused when damaged.

Contract:
- A file is `BKBT` + a format byte + a flag byte, then the payload (zlib-compressed bytes).
- With a key (`BACKUP_KEY`, at least 32 random bytes, hex or base64) the payload is sealed
  with AES-256-GCM: a fresh 16-byte salt and 12-byte nonce per file, the key derived with
  HKDF-SHA256 from the backup key and the salt, the header as associated data. A wrong key
  or any flipped bit is refused with `BackupKeyError`; it never yields wrong data.
- An encrypted file needs the key to open; a plain file opens with or without one.
- `write_private` creates the file with mode 0600 (`os.open`, no chmod window), writes a
  temporary name, syncs it and renames it into place, so a reader never sees half a backup.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import zlib
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shared.errors import AppError, NotFound
from shared.settings import Secret, secret_key_material

MAGIC = b"BKBT"
FORMAT = 1
PLAIN, SEALED = 0, 1
_HEADER = len(MAGIC) + 2
_SALT, _NONCE = 16, 12
_INFO = b"bookbots/v1/backup-file"


class BackupError(AppError):
    """A backup cannot be read or restored (its message says why)."""


class BackupMissing(NotFound, BackupError):
    """No backup by that name (or no file at that path)."""


class BackupKeyError(BackupError):
    """The backup is encrypted and the key is missing or is not the one it was made with."""


def derive_key(key: Secret, salt: bytes, info: bytes = _INFO) -> bytes:
    """The AES-256 key of one file: HKDF-SHA256 of the backup key with the file's salt."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info)
    return hkdf.derive(secret_key_material(key.reveal()))


def seal(payload: bytes, key: Secret | None) -> bytes:
    """The file's bytes: compressed `payload`, encrypted when a key is given."""
    compressed = zlib.compress(payload, 6)
    if not key:
        return MAGIC + bytes([FORMAT, PLAIN]) + compressed
    header = MAGIC + bytes([FORMAT, SEALED])
    salt, nonce = secrets.token_bytes(_SALT), secrets.token_bytes(_NONCE)
    box = AESGCM(derive_key(key, salt)).encrypt(nonce, compressed, header)
    return header + salt + nonce + box


def is_sealed(data: bytes) -> bool:
    return len(data) >= _HEADER and data[:4] == MAGIC and data[5] == SEALED


def unseal(data: bytes, key: Secret | None) -> bytes:
    """The payload of a backup file; `BackupKeyError` for a missing or wrong key."""
    if len(data) < _HEADER or data[: len(MAGIC)] != MAGIC:
        raise BackupError("not a BookBots backup file")
    if data[4] != FORMAT:
        raise BackupError(f"backup file format {data[4]} is not supported (expected {FORMAT})")
    body = data[_HEADER:]
    if data[5] == SEALED:
        if not key:
            raise BackupKeyError(
                "the backup is encrypted: set BACKUP_KEY to the key it was made with"
            )
        salt, nonce, box = body[:_SALT], body[_SALT : _SALT + _NONCE], body[_SALT + _NONCE :]
        try:
            body = AESGCM(derive_key(key, salt)).decrypt(nonce, box, data[:_HEADER])
        except InvalidTag:
            raise BackupKeyError(
                "BACKUP_KEY does not open this backup (a different key, or a damaged file)"
            ) from None
    elif data[5] != PLAIN:
        raise BackupError("backup file header is damaged")
    try:
        return zlib.decompress(body)
    except zlib.error:
        raise BackupError("backup file is damaged (cannot decompress)") from None


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` with mode 0600 via a synced temporary file and a rename."""
    partial = path.with_name(path.name + ".partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()  # a leftover of an interrupted run, perhaps with wider rights
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    partial.replace(path)
