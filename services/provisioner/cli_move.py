"""The CLI's `move TENANT SERVER`: a tenant's schema to another database server (by the name
DATABASE_SERVERS gives it; `main` is the platform's own), its bookings kept. Needs NATS too:
the new place is published in the tenant directory before the old schema goes."""

from __future__ import annotations

import argparse
import json

from services.provisioner.adapters.move_pg import PgTenantMover
from services.provisioner.adapters.registry_pg import PgTenantRegistry
from services.provisioner.use_cases.moves import MoveReport, TenantMoves
from shared.bus import tenants_bucket
from shared.migrate import shared_migrations
from shared.runtime import Runtime
from shared.tenants import TenantDirectory

COMMANDS = frozenset({"move"})


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    move = sub.add_parser("move", parents=[common], help="move a tenant to another database server")
    move.add_argument("tenant")
    move.add_argument("server", help="a name from DATABASE_SERVERS, or main")


def report_text(report: MoveReport) -> str:
    return (
        f"moved {report.tenant_id} from {report.source} to {report.target}:"
        f" {report.bookings} bookings"
    )


async def run_move(args: argparse.Namespace, runtime: Runtime, actor: str) -> str:
    pool = runtime.require_pool()
    migrations = shared_migrations("tenant")
    moves = TenantMoves(
        mover=PgTenantMover(pool, runtime.require_servers(), migrations),
        registry=PgTenantRegistry(pool, migrations, runtime.require_servers()),
        directory=TenantDirectory(await tenants_bucket(runtime.js)),
        clock=runtime.clock,
    )
    report = await moves.move(actor, args.tenant, args.server)
    if getattr(args, "json", False):
        return json.dumps(
            {
                "tenant_id": report.tenant_id,
                "from": report.source,
                "to": report.target,
                "bookings": report.bookings,
            }
        )
    return report_text(report)
