"""Where a new tenant's schema goes: the configured database server with the fewest tenants.

Counted from the registry (tenants not deleted) inside the creating transaction; ties go to
the server listed first (`main`, then DATABASE_SERVERS in order). Two purchases at the same
moment may both pick the same server: the policy balances over many tenants, it does not
need to be exact.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

_COUNTS = """
SELECT db_server, count(*) AS tenants FROM platform.tenants
WHERE status <> 'deleted' AND db_server = ANY($1::text[]) AND tenant_id <> $2
GROUP BY db_server
"""


def least_loaded(servers: Sequence[str], counts: dict[str, int]) -> str:
    """The server with the fewest tenants; the first listed wins a tie."""
    if not servers:
        raise ValueError("no database server to place a tenant on")
    return min(servers, key=lambda name: (counts.get(name, 0), servers.index(name)))


async def choose_server(conn: asyncpg.Connection, servers: Sequence[str], tenant_id: str) -> str:
    """The server for `tenant_id`, whose own registry row (already written) is not counted."""
    if len(servers) == 1:
        return servers[0]
    rows = await conn.fetch(_COUNTS, list(servers), tenant_id)
    return least_loaded(servers, {row["db_server"]: int(row["tenants"]) for row in rows})
