"""`python -m services.provisioner.cli`: the operator's console in a terminal.

The same settings (environment, `.env`) and the same use cases as the service and the
operator's bot; every command is audited as `cli:<os user>`. A bot token is never taken on the
command line (it would sit in the shell history and `ps`): `create-tenant` reads it from a file
or stdin. Exports are created readable by their owner only (see `cli_files`).
Exit codes: 0 done, 1 not found, 2 usage (a bad argument, a setting missing, or an action the
tenant's state does not allow), 3 failed for now (NATS, Postgres or the Bot API unavailable:
run the same command again).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import sys
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TextIO

import asyncpg
import nats.errors

from services.provisioner import cli_backup, cli_move
from services.provisioner import cli_output as out
from services.provisioner.cli_files import FileExportSink, UsageError, read_token
from services.provisioner.config import ProvisionerSettings
from services.provisioner.main import MIGRATIONS, UseCases, compose
from services.provisioner.use_cases import Console, cli_actor
from shared.backup_file import BackupError
from shared.crypto import Sealer
from shared.errors import AppError, InvalidTenantId, NotFound, RuleViolation
from shared.logs import configure_logging
from shared.migrate import ensure_extensions, load_migrations, migrate_schema
from shared.migrate_cli import add_options as add_migrate_options
from shared.migrate_cli import options_from, plan_json, plan_text
from shared.outbox import migrate_outbox
from shared.runner import load_or_exit
from shared.runtime import open_runtime
from shared.settings import BackupSettings, LogSettings
from shared.telegram import Bots, make_session

PROG = "python -m services.provisioner.cli"
CLI_SERVICE = "provisioner-cli"
EXIT_OK, EXIT_NOT_FOUND, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3
CONNECT_TIMEOUT_SECONDS = 15.0
SECRET_COMMANDS = frozenset({"create-tenant", "rotate-secrets"})


class Unavailable(AppError):
    """NATS or Postgres did not answer in time (exit code 3)."""


def kopecks(rubles: str) -> int:
    """`1500` or `1500.50` roubles as kopecks; argparse shows the error on a bad value."""
    try:
        value = Decimal(rubles.replace(",", "."))
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not an amount in roubles: {rubles!r}") from None
    cents = value * 100
    if value < 0 or cents != cents.to_integral_value():
        raise argparse.ArgumentTypeError(f"not an amount in roubles: {rubles!r}")
    return int(cents)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print JSON for machines"
    )
    parser = argparse.ArgumentParser(
        prog=PROG, description="The platform operator's console.", parents=[common]
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    tenants = sub.add_parser("tenants", parents=[common], help="list tenants, newest first")
    tenants.add_argument(
        "--status", choices=["active", "grace", "suspended", "deleted", "all"], default=None
    )
    tenants.add_argument("--page", type=int, default=1, help="page number (from 1)")
    find = sub.add_parser("find", parents=[common], help="search by id, name or bot username")
    find.add_argument("text")
    show = sub.add_parser("show", parents=[common], help="a tenant's card")
    show.add_argument("tenant")
    extend = sub.add_parser("extend", parents=[common], help="record a manual payment / extend")
    extend.add_argument("tenant")
    extend.add_argument("days", type=int)
    extend.add_argument("--amount", type=kopecks, default=0, metavar="RUB", help="paid, roubles")
    suspend = sub.add_parser("suspend", parents=[common], help="suspend a tenant's bot")
    suspend.add_argument("tenant")
    suspend.add_argument("--reason", required=True)
    resume = sub.add_parser("resume", parents=[common], help="resume a suspended tenant")
    resume.add_argument("tenant")
    delete = sub.add_parser("delete", parents=[common], help="export, then delete a tenant")
    delete.add_argument("tenant")
    delete.add_argument("--export", required=True, type=Path, metavar="FILE")
    delete.add_argument("--yes", action="store_true", help="do not ask to confirm")
    sub.add_parser("stats", parents=[common], help="platform figures")
    sub.add_parser("sweep", parents=[common], help="run one lifecycle sweep now")
    migrate = sub.add_parser(
        "migrate", parents=[common], help="migrate every tenant schema and spare, online"
    )
    add_migrate_options(migrate)
    create = sub.add_parser(
        "create-tenant",
        parents=[common],
        allow_abbrev=False,  # `--token` must not pass for `--token-file`
        help="create a tenant from a bot token (manual sale)",
    )
    create.add_argument(
        "--token-file", required=True, metavar="FILE", help="file holding the token, - for stdin"
    )
    create.add_argument("--owner-id", required=True, type=int, help="owner's Telegram id")
    create.add_argument("--name", default=None, help="business name (default: the bot's name)")
    create.add_argument("--timezone", default="Europe/Moscow")
    create.add_argument("--days", type=int, default=30, help="paid period in days")
    create.add_argument("--amount", type=kopecks, default=0, metavar="RUB", help="paid, roubles")
    sub.add_parser(
        "rotate-secrets",
        parents=[common],
        help="re-seal every token with PLATFORM_SECRET and re-register webhooks",
    )
    cli_backup.add_commands(sub, common)
    cli_move.add_commands(sub, common)
    return parser


def _ask(prompt: str) -> str:
    sys.stderr.write(prompt)
    sys.stderr.flush()
    return sys.stdin.readline().strip()


async def _confirm_delete(console: Console, actor: str, tenant_id: str) -> None:
    card = await console.card(actor, tenant_id)
    sys.stderr.write(out.card_text(card) + "\n\n")
    if not sys.stdin.isatty():
        raise UsageError("refusing to delete without --yes (stdin is not a terminal)")
    typed = await asyncio.to_thread(_ask, f"Type {card.tenant.tenant_id} to delete it for good: ")
    if typed != card.tenant.tenant_id:
        raise UsageError("not confirmed; nothing deleted")


async def execute(  # noqa: PLR0911 - one return per command reads best
    args: argparse.Namespace, console: Console, actor: str
) -> str:
    """Run one command through the console; returns what to print."""
    as_json: bool = getattr(args, "json", False)

    def pick(text: Callable[[], str], machine: Callable[[], str]) -> str:
        return machine() if as_json else text()

    match args.command:
        case "tenants":
            if args.page < 1:
                raise UsageError("--page starts at 1")
            page = await console.list_tenants(actor, status=args.status, page=args.page - 1)
            return pick(lambda: out.page_text(page), lambda: out.page_json(page))
        case "find":
            found = await console.search(actor, args.text)
            return pick(
                lambda: out.tenants_text(found),
                lambda: out.to_json([out.tenant_dict(t) for t in found]),
            )
        case "show":
            card = await console.card(actor, args.tenant)
            return pick(lambda: out.card_text(card), lambda: out.card_json(card))
        case "extend":
            await console.extend(actor, args.tenant, days=args.days, amount_kopecks=args.amount)
            card = await console.card(actor, args.tenant)
            return pick(lambda: out.card_text(card), lambda: out.card_json(card))
        case "suspend":
            await console.suspend(actor, args.tenant, reason=args.reason)
            card = await console.card(actor, args.tenant)
            return pick(lambda: out.card_text(card), lambda: out.card_json(card))
        case "resume":
            await console.resume(actor, args.tenant)
            card = await console.card(actor, args.tenant)
            return pick(lambda: out.card_text(card), lambda: out.card_json(card))
        case "delete":
            if not args.yes:
                await _confirm_delete(console, actor, args.tenant)
            deletion = await console.delete(actor, args.tenant, sink=FileExportSink(args.export))
            path = str(args.export)
            return pick(
                lambda: out.deletion_text(deletion, path), lambda: out.deletion_json(deletion, path)
            )
        case "stats":
            stats = await console.stats(actor)
            return pick(lambda: out.stats_text(stats), lambda: out.stats_json(stats))
        case "sweep":
            report = await console.sweep(actor)
            return pick(lambda: out.sweep_text(report), lambda: out.sweep_json(report))
        case "migrate":
            return await _migrate(args, console, actor, as_json=as_json)
    raise UsageError(f"unknown command {args.command!r}")


async def _migrate(args: argparse.Namespace, console: Console, actor: str, *, as_json: bool) -> str:
    try:
        options = options_from(args)
    except ValueError as error:
        raise UsageError(str(error)) from None
    if args.dry_run:
        pending = await console.plan_migrations(actor)
        return plan_json(pending) if as_json else plan_text(pending)
    migrated = await console.migrate(actor, options)
    return out.migrated_json(migrated) if as_json else out.migrated_text(migrated)


async def execute_secrets(args: argparse.Namespace, use: UseCases, actor: str) -> str:
    """The commands that handle bot tokens and the platform key."""
    as_json: bool = getattr(args, "json", False)
    if args.command == "create-tenant":
        token = await asyncio.to_thread(read_token, args.token_file)
        tenant = await use.manual.create(
            actor,
            token=token,
            owner_id=args.owner_id,
            name=args.name,
            timezone=args.timezone,
            days=args.days,
            amount_kopecks=args.amount,
        )
        card = await use.console.card(actor, tenant.tenant_id)
        return out.card_json(card) if as_json else out.card_text(card)
    if args.command == "rotate-secrets":
        rotated = await use.rotation.rotate(actor)
        return out.rotated_json(rotated) if as_json else out.rotated_text(rotated)
    raise UsageError(f"unknown command {args.command!r}")


async def run(args: argparse.Namespace, settings: ProvisionerSettings) -> str:
    """The composition root: the runtime (NATS + Postgres), the use cases, one command."""
    if args.command in cli_backup.COMMANDS:  # Postgres only
        backups = load_or_exit(CLI_SERVICE, BackupSettings.load)
        return await cli_backup.run_backup_command(args, settings, backups, cli_actor(os_user()))
    async with contextlib.AsyncExitStack() as stack:
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS):
                runtime = await stack.enter_async_context(
                    open_runtime(
                        CLI_SERVICE,
                        nats=settings.nats,
                        postgres=settings.postgres,
                        controllable_clock=settings.controllable_clock,
                    )
                )
        except TimeoutError:
            raise Unavailable(
                f"NATS ({settings.nats.url}) or Postgres did not answer"
                f" within {CONNECT_TIMEOUT_SECONDS:.0f} s"
            ) from None
        if args.command == "migrate":
            pool = runtime.require_pool()
            await ensure_extensions(pool)
            await migrate_schema(pool, "platform", load_migrations(MIGRATIONS))
            await migrate_outbox(pool)  # the console's changes are announced through it
        bots = Bots(make_session(settings.telegram), max_size=64)
        stack.push_async_callback(bots.close)
        use = await compose(
            settings, runtime, bots, Sealer(settings.secrets.key, settings.secrets.previous)
        )
        actor = cli_actor(os_user())
        if args.command in cli_move.COMMANDS:
            return await cli_move.run_move(args, runtime, actor)
        if args.command in SECRET_COMMANDS:
            return await execute_secrets(args, use, actor)
        return await execute(args, use.console, actor)
    raise AssertionError("unreachable")  # pragma: no cover - the stack re-raises or returns


def os_user() -> str:
    try:
        return getpass.getuser()
    except OSError:  # no name for this uid (a bare container)
        return str(os.getuid())


async def run_cli(
    args: argparse.Namespace, settings: ProvisionerSettings, stdout: TextIO, stderr: TextIO
) -> int:
    """One command, its output and its exit code (the whole CLI but parsing and logging)."""
    try:
        printed = await run(args, settings)
    except NotFound as error:
        stderr.write(f"not found: {error}\n")
        return EXIT_NOT_FOUND
    except RuleViolation as error:
        details = ", ".join(f"{k}={v}" for k, v in error.details.items())
        stderr.write(f"refused: {error.reason}" + (f" ({details})" if details else "") + "\n")
        return EXIT_USAGE
    except (InvalidTenantId, UsageError, BackupError) as error:
        stderr.write(f"{error}\n")
        return EXIT_USAGE
    except (AppError, OSError, asyncpg.PostgresError, nats.errors.Error) as error:
        stderr.write(f"failed: {error}\n")
        return EXIT_FAILED
    stdout.write(printed + "\n")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # exits 2 on a usage error
    settings = load_or_exit(CLI_SERVICE, ProvisionerSettings.load)
    configure_logging(CLI_SERVICE, LogSettings(level="WARNING", json=False))
    return asyncio.run(run_cli(args, settings, sys.stdout, sys.stderr))


if __name__ == "__main__":
    raise SystemExit(main())
