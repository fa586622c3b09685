"""The CLI's backup commands: `backup TENANT`, `backups [TENANT]`, `restore FILE [--into T]`.

They need Postgres only (no NATS): the pool is the provisioner's own login (and its pools to
the DATABASE_SERVERS that hold tenants, opened when a tenant there is named), the files go to
BACKUP_DIR (mode 0600), encrypted when BACKUP_KEY is set. A restore replaces the tenant's
data, so it asks to confirm on a terminal unless `--yes` is given.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from services.provisioner.adapters.backup_files import FileBackupStore
from services.provisioner.adapters.registry_pg import PgTenantRegistry
from services.provisioner.cli_files import UsageError
from services.provisioner.config import ProvisionerSettings
from services.provisioner.use_cases.backups import BackupInfo, Backups
from shared.backup_tenant import RestoreReport
from shared.clock import SystemClock
from shared.db import create_pool
from shared.db_servers import ServerPools
from shared.migrate import shared_migrations
from shared.settings import BackupSettings

COMMANDS = frozenset({"backup", "backups", "restore"})


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    backup = sub.add_parser("backup", parents=[common], help="back up one tenant to BACKUP_DIR")
    backup.add_argument("tenant")
    listing = sub.add_parser("backups", parents=[common], help="list tenant backups, newest first")
    listing.add_argument("tenant", nargs="?", default=None)
    restore = sub.add_parser("restore", parents=[common], help="restore a tenant backup")
    restore.add_argument("backup", help="a name from `backups`, or a path to a backup file")
    restore.add_argument("--into", default=None, metavar="TENANT", help="another tenant id")
    restore.add_argument("--yes", action="store_true", help="do not ask to confirm")


def info_dict(info: BackupInfo) -> dict[str, object]:
    return {
        "name": info.name,
        "tenant_id": info.tenant_id,
        "taken_at": info.taken_at.isoformat(),
        "size": info.size,
        "encrypted": info.encrypted,
    }


def info_text(info: BackupInfo) -> str:
    lock = " encrypted" if info.encrypted else ""
    return f"{info.name}  {info.taken_at:%Y-%m-%d %H:%M:%S} UTC  {info.size} bytes{lock}"


def report_text(report: RestoreReport) -> str:
    source = (
        "" if report.source_tenant_id == report.tenant_id else f" from {report.source_tenant_id}"
    )
    return (
        f"restored {report.tenant_id}{source} to {report.taken_at:%Y-%m-%d %H:%M:%S} UTC:"
        f" {report.tables} tables, {report.rows} rows, {report.bookings} bookings,"
        f" {report.reminders} pending reminders"
    )


def _confirm(target: str) -> None:
    if not sys.stdin.isatty():
        raise UsageError("refusing to restore without --yes (stdin is not a terminal)")
    sys.stderr.write(f"Type {target} to replace its data with the backup: ")
    sys.stderr.flush()
    if sys.stdin.readline().strip() != target:
        raise UsageError("not confirmed; nothing restored")


async def run_backup_command(
    args: argparse.Namespace, settings: ProvisionerSettings, backups: BackupSettings, actor: str
) -> str:
    as_json: bool = getattr(args, "json", False)
    pool = await create_pool(settings.postgres, max_size=2)
    servers = ServerPools.from_settings(pool, settings.postgres)
    try:
        migrations = shared_migrations("tenant")
        store = FileBackupStore(
            pool,
            directory=backups.directory,
            key=backups.key,
            migrations=migrations,
            servers=servers,
        )
        registry = PgTenantRegistry(pool, migrations, servers)
        use = Backups(store=store, registry=registry, clock=SystemClock())
        if args.command == "backup":
            info = await use.backup(actor, args.tenant)
            return json.dumps(info_dict(info)) if as_json else info_text(info)
        if args.command == "backups":
            found = await use.list(args.tenant)
            if as_json:
                return json.dumps([info_dict(i) for i in found], ensure_ascii=False)
            return "\n".join(info_text(i) for i in found) or "no backups"
        if not args.yes:
            target = args.into or (await store.load(args.backup)).tenant_id
            await asyncio.to_thread(_confirm, target)
        report = await use.restore(actor, args.backup, into=args.into)
        if as_json:
            return json.dumps(
                {
                    "tenant_id": report.tenant_id,
                    "from": report.source_tenant_id,
                    "taken_at": report.taken_at.isoformat(),
                    "rows": report.rows,
                    "bookings": report.bookings,
                }
            )
        return report_text(report)
    finally:
        await servers.close()
        await pool.close()
