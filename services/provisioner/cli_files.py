"""The files the operator's CLI reads and writes: a bot token in, a tenant's export out.

A token is read from a file or stdin (never from the command line, where it would sit in the
shell history and in `ps`). An export holds customers' names and phones: it is created with
mode 0600 from its first byte (`os.open`, never a chmod afterwards), written to a temporary
name, synced and renamed into place.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from pathlib import Path

from shared.settings import Secret


class UsageError(Exception):
    """The command cannot run as given (exit code 2)."""


def read_token(source: str) -> Secret:
    """The first line of `source` (a file, or stdin for `-`), never echoed."""
    try:
        text = sys.stdin.readline() if source == "-" else Path(source).read_text("utf-8")
    except OSError as error:
        raise UsageError(f"cannot read the token file: {error.strerror}") from None
    token = text.strip().splitlines()[0].strip() if text.strip() else ""
    if not token:
        raise UsageError("the token file is empty")
    return Secret(token)


class FileExportSink:
    """Writes the export to a file (via a temporary file, synced, then renamed into place)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def keep(self, tenant_id: str, document: bytes) -> None:  # noqa: ARG002 - the port's shape
        await asyncio.to_thread(self._write, document)

    def _write(self, document: bytes) -> None:
        partial = self.path.with_name(self.path.name + ".partial")
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()  # a leftover of an interrupted run, perhaps with wider rights
        # Created 0600 from the first byte (customer names and phones): no chmod window.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(document)
            file.flush()
            os.fsync(file.fileno())
        partial.replace(self.path)
