"""`python -m shared.migrate`: pending tenant migrations over every tenant schema and spare.

Connects with `DATABASE_URL` (the provisioner's login, owner of the tenant schemas); the
`platform` schema must be migrated already (the provisioner does it on start, as does the
console's `migrate`). Online, in batches, resumable after a kill: see `shared.migrate_online`.
Exit codes: 0 done, 1 some schemas failed (listed), 2 usage, 3 Postgres unavailable.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import asyncpg

from shared.errors import SettingsError
from shared.migrate import Migration, load_migrations, shared_migrations
from shared.migrate_advice import catalog_scans
from shared.migrate_online import Options, Pending, RunReport, migrate_online, plan, targets
from shared.settings import Env, PostgresSettings, environment

PROG = "python -m shared.migrate"
EXIT_OK, EXIT_FAILED_SCHEMAS, EXIT_USAGE, EXIT_UNAVAILABLE = 0, 1, 2, 3
SHOWN_FAILURES = 20
DEFAULTS = Options()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    add_options(parser)
    parser.add_argument(
        "--migrations-dir", type=Path, default=None, help="tenant migrations (default: shipped)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON for machines")
    return parser


def add_options(parser: argparse.ArgumentParser) -> None:
    """The run's options (shared with the operator console's `migrate`)."""
    parser.add_argument("--dry-run", action="store_true", help="list what would change, only")
    parser.add_argument("--batch-size", type=int, default=DEFAULTS.batch_size)
    parser.add_argument("--concurrency", type=int, default=DEFAULTS.concurrency)
    parser.add_argument("--lock-timeout-ms", type=int, default=DEFAULTS.lock_timeout_ms)
    parser.add_argument("--retries", type=int, default=DEFAULTS.retries)
    parser.add_argument(
        "--fresh-connections-every",
        type=int,
        default=DEFAULTS.fresh_connections_every,
        help="replace the connections after this many batches (0: never)",
    )


def options_from(args: argparse.Namespace) -> Options:
    if min(args.batch_size, args.concurrency, args.lock_timeout_ms) < 1 or args.retries < 0:
        raise ValueError("--batch-size, --concurrency and --lock-timeout-ms must be at least 1")
    if args.fresh_connections_every < 0:
        raise ValueError("--fresh-connections-every must be 0 (never) or more")
    return Options(
        batch_size=args.batch_size,
        concurrency=args.concurrency,
        lock_timeout_ms=args.lock_timeout_ms,
        retries=args.retries,
        fresh_connections_every=args.fresh_connections_every,
    )


def plan_text(pending: list[Pending], migrations: Sequence[Migration] = ()) -> str:
    """The dry run for people; with `migrations`, a warning for each pending one whose cost
    grows with the number of schemas (`shared.migrate_advice`)."""
    tenants = [p for p in pending if not p.spare]
    spares = [p for p in pending if p.spare]
    lines = [f"dry run: {len(tenants)} tenant schemas, {len(spares)} spare schemas"]
    due = {name for p in pending for name in p.migrations}
    for migration in migrations:
        if migration.name in due:
            lines += [
                f"  WARNING {migration.name}: `{statement}` scans all of pg_depend in every"
                " schema (slower with every tenant); add the column, then SET DEFAULT, fill"
                " it and SET NOT NULL (shared/migrate_advice.py)"
                for statement in catalog_scans(migration)
            ]
    for label, group in (("tenants", tenants), ("spares", spares)):
        counts = Counter(name for p in group for name in p.migrations)
        for name, count in sorted(counts.items()):
            lines.append(f"  {name}: pending in {count} {label}")
        missing = [p.schema for p in group if p.missing]
        if missing:
            lines.append(f"  {label} without a schema: {', '.join(missing[:SHOWN_FAILURES])}")
        behind = [p.schema for p in group if p.migrations]
        if behind:
            shown = ", ".join(behind[:SHOWN_FAILURES])
            more = (
                f" and {len(behind) - SHOWN_FAILURES} more" if len(behind) > SHOWN_FAILURES else ""
            )
            lines.append(f"  {label} to migrate: {shown}{more}")
    if not any(p.migrations or p.missing for p in pending):
        lines.append("  nothing to do: every schema is up to date")
    return "\n".join(lines)


def plan_json(pending: list[Pending]) -> str:
    return json.dumps([asdict(p) for p in pending], ensure_ascii=False, indent=2)


def report_text(report: RunReport) -> str:
    resumed = f", resumed (already done: {report.already_done})" if report.resumed else ""
    lines = [
        f"run {report.run_id}{resumed}: {report.tenants} tenant schemas, {report.spares} spares;"
        f" migrated {report.migrated}, up to date {report.unchanged},"
        f" failed {len(report.failures)} in {report.seconds:.1f} s"
    ]
    lines += [f"  FAILED {f.schema}: {f.error}" for f in report.failures[:SHOWN_FAILURES]]
    if len(report.failures) > SHOWN_FAILURES:
        lines.append(
            f"  ... and {len(report.failures) - SHOWN_FAILURES} more"
            f" (platform.migration_results, run_id {report.run_id})"
        )
    return "\n".join(lines)


def report_json(report: RunReport) -> str:
    return json.dumps(asdict(report), ensure_ascii=False, indent=2)


async def run(
    dsn: str, migrations: tuple[Migration, ...], options: Options, *, dry_run: bool, as_json: bool
) -> tuple[int, str]:
    pool = await asyncpg.create_pool(
        dsn, min_size=1, max_size=options.concurrency + 1, command_timeout=600
    )
    try:
        if not await pool.fetchval("SELECT to_regclass('platform.migration_runs') IS NOT NULL"):
            return EXIT_USAGE, (
                "the platform schema is not migrated yet: start the provisioner or run"
                " `python -m services.provisioner.cli migrate`"
            )
        schemas = await targets(pool)
        if dry_run:
            pending = await plan(pool, schemas, migrations)
            return EXIT_OK, plan_json(pending) if as_json else plan_text(pending, migrations)
        report = await migrate_online(pool, schemas, migrations, options)
        code = EXIT_FAILED_SCHEMAS if report.failures else EXIT_OK
        return code, report_json(report) if as_json else report_text(report)
    finally:
        await pool.close()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        options = options_from(args)
        settings = PostgresSettings.load(Env(environment(Path(".env"))))
        migrations = (
            load_migrations(args.migrations_dir)
            if args.migrations_dir
            else shared_migrations("tenant")
        )
    except (ValueError, SettingsError, OSError) as error:
        sys.stderr.write(f"{PROG}: {error}\n")
        return EXIT_USAGE
    try:
        code, printed = asyncio.run(
            run(
                settings.dsn.reveal(),
                migrations,
                options,
                dry_run=args.dry_run,
                as_json=args.json,
            )
        )
    except (OSError, asyncpg.PostgresError) as error:
        sys.stderr.write(f"{PROG}: failed: {error}\n")
        return EXIT_UNAVAILABLE
    (sys.stdout if code != EXIT_USAGE else sys.stderr).write(printed + "\n")
    return code
