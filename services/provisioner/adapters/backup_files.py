"""Tenant backups as files in one folder (BACKUP_DIR), taken and restored in Postgres.

A file is named `<tenant>--<UTC time>.bkbt`, written 0600 (the folder 0700) and encrypted
when BACKUP_KEY is set (`shared.backup_file`). `load` takes such a name from the folder, or a
path to a file elsewhere. A restore also makes sure the target tenant's owner (from the
registry) is a staff member, so a backup restored into another tenant id stays administrable.
A tenant whose schema lives on another database server (`platform.tenants.db_server`) is
backed up from and restored into that server, through `servers`; its platform and notifier
rows stay on the platform's server (`pool`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from services.provisioner.use_cases.backups import BackupInfo
from shared.backup_file import BackupError, BackupMissing, is_sealed, seal, unseal, write_private
from shared.backup_model import TenantBackup, decode, encode
from shared.backup_tenant import RestoreReport, dump_tenant, restore_tenant
from shared.db import tenant_schema
from shared.db_servers import MAIN_DATABASE_SERVER, ServerPools
from shared.migrate import Migration
from shared.settings import Secret

log = logging.getLogger(__name__)
SUFFIX = ".bkbt"
_NAME = re.compile(r"^(?P<tenant>[a-z][a-z0-9_]{2,39})--(?P<at>\d{8}T\d{6}Z)\.bkbt$")
_STAMP = "%Y%m%dT%H%M%SZ"


def _info(path: Path) -> BackupInfo | None:
    match = _NAME.match(path.name)
    if match is None:
        return None
    with path.open("rb") as file:
        head = file.read(8)
    return BackupInfo(
        name=path.name,
        tenant_id=match["tenant"],
        taken_at=datetime.strptime(match["at"], _STAMP).replace(tzinfo=UTC),
        size=path.stat().st_size,
        encrypted=is_sealed(head),
    )


class FileBackupStore:
    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        directory: Path,
        key: Secret | None,
        migrations: tuple[Migration, ...],
        servers: ServerPools | None = None,
    ) -> None:
        self._pool = pool
        self._directory = directory
        self._key = key
        self._migrations = migrations
        self._servers = servers or ServerPools(pool)

    async def _tenant_pool(self, tenant_id: str) -> asyncpg.Pool | None:
        """The pool of the server holding the tenant's schema, or None for the platform's."""
        server = await self._pool.fetchval(
            "SELECT db_server FROM platform.tenants WHERE tenant_id = $1", tenant_id
        )
        if server is None or server == MAIN_DATABASE_SERVER:
            return None
        return await self._servers.pool(server)

    async def take(self, tenant_id: str, *, now: datetime, actor: str) -> BackupInfo:
        elsewhere = await self._tenant_pool(tenant_id)
        if elsewhere is None:
            backup = await dump_tenant(self._pool, tenant_id, now=now)
        else:
            backup = await dump_tenant(elsewhere, tenant_id, now=now, platform=self._pool)
        path = self._directory / f"{tenant_id}--{now.astimezone(UTC):{_STAMP}}{SUFFIX}"
        data = seal(encode(backup), self._key)
        await asyncio.to_thread(self._write, path, data)
        await self._audit(actor, "backup", tenant_id, {"file": path.name, "size": len(data)})
        log.info(
            "backup of %s written: %s (%d bytes)",
            tenant_id,
            path.name,
            len(data),
        )
        info = await asyncio.to_thread(_info, path)
        assert info is not None
        return info

    def _write(self, path: Path, data: bytes) -> None:
        self._directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_private(path, data)

    async def listing(self, tenant_id: str | None) -> list[BackupInfo]:
        return await asyncio.to_thread(self._scan, tenant_id)

    def _scan(self, tenant_id: str | None) -> list[BackupInfo]:
        if not self._directory.is_dir():
            return []
        found = [_info(path) for path in self._directory.glob(f"*{SUFFIX}")]
        kept = [i for i in found if i and (tenant_id is None or i.tenant_id == tenant_id)]
        return sorted(kept, key=lambda i: (i.taken_at, i.name), reverse=True)

    async def load(self, ref: str) -> TenantBackup:
        path = Path(ref) if "/" in ref else self._directory / ref
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise BackupMissing("backup", ref) from None
        except OSError as error:
            raise BackupError(f"cannot read {ref}: {error.strerror}") from None
        return decode(unseal(data, self._key))

    async def restore(
        self, backup: TenantBackup, into: str, *, owner_chat_id: int, now: datetime, actor: str
    ) -> RestoreReport:
        elsewhere = await self._tenant_pool(into)
        report = await restore_tenant(
            elsewhere or self._pool,
            backup,
            into,
            self._migrations,
            now=now,
            notifier=None if elsewhere is None else self._pool,
        )
        async with (elsewhere or self._pool).acquire() as conn:
            await conn.execute(
                f'INSERT INTO "{tenant_schema(into)}".staff_members (telegram_id, name, role)'
                " VALUES ($1, 'Владелец', 'owner') ON CONFLICT (telegram_id) DO NOTHING",
                owner_chat_id,
            )
        log.info(
            "tenant %s restored from a backup of %s (%d rows)",
            into,
            backup.tenant_id,
            report.rows,
        )
        details = {"from": backup.tenant_id, "taken_at": backup.taken_at.isoformat()}
        await self._audit(actor, "restore", into, {**details, "rows": report.rows})
        return report

    async def _audit(self, actor: str, action: str, tenant_id: str, details: object) -> None:
        await self._pool.execute(
            "INSERT INTO platform.audit_log (actor, action, tenant_id, details)"
            " VALUES ($1, $2, $3, $4::jsonb)",
            actor,
            f"console:{action}",
            tenant_id,
            json.dumps(details),
        )
