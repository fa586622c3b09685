"""Least privilege in Postgres: the one-shot set-up run with the owner's (superuser) URL.

After it, no service needs a superuser:

- login roles `bookbots_booking`, `bookbots_billing`, `bookbots_provisioner`,
  `bookbots_notifier`: LOGIN, NOINHERIT, no SUPERUSER/CREATEDB/CREATEROLE/REPLICATION/BYPASSRLS,
  passwords from the environment (stored as SCRAM verifiers, never sent in clear);
- each owns its own schema only (`booking`, `billing`, `notifier`, `platform` for the
  provisioner); booking reaches tenant schemas only by `SET LOCAL ROLE t_<tenant>`;
- the provisioner may CREATE schemas in the database (tenant schemas, which it then owns) but
  creates and drops tenant *roles* only through two SECURITY DEFINER functions owned by the
  NOLOGIN role `bookbots_migrator` (CREATEROLE): `platform.create_tenant_role(name)` accepts
  only `t_<valid tenant id>` and grants it to the booking, notifier and provisioner logins;
  `platform.drop_tenant_role(name)` drops such a role; `platform.rename_spare_role(spare,
  name)` renames a spare's role (`t_spare_<12 hex>`, made ahead) to a buyer's tenant role;
- `btree_gist` (needed by tenant schemas) is installed here, once;
- PUBLIC loses CONNECT and TEMP on the database.

Idempotent: run it on every deployment (compose's `init` service), by `make run` and by tests.

    DATABASE_ADMIN_URL=postgresql://postgres:...@postgres/bookbots \\
    DB_PASSWORD_BOOKING=... DB_PASSWORD_BILLING=... DB_PASSWORD_PROVISIONER=... \\
    DB_PASSWORD_NOTIFIER=... python -m shared.bootstrap
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path

import asyncpg

from shared.errors import SettingsError
from shared.migrate import migrate_in_transaction, shared_migrations
from shared.outbox import SCHEMA as OUTBOX_SCHEMA
from shared.settings import (
    DATABASE_SERVICES,
    BootstrapSettings,
    Env,
    Secret,
    environment,
    login_role,
)

log = logging.getLogger(__name__)

MIGRATOR = "bookbots_migrator"
OWN_SCHEMAS = {
    "booking": "booking",  # empty today: room for booking's own tables (e.g. an outbox)
    "billing": "billing",
    "notifier": "notifier",
    "provisioner": "platform",
}
TENANT_MEMBERS = ("booking", "notifier", "provisioner")
TENANT_ROLE_PATTERN = "^t_[a-z][a-z0-9_]{2,39}$"
SPARE_ROLE_PATTERN = "^t_spare_[0-9a-f]{12}$"  # a pre-created tenant role, renamed at purchase
_SCRAM_ITERATIONS = 4096


def scram_verifier(password: str) -> str:
    """The SCRAM-SHA-256 verifier Postgres stores, so the clear password never reaches it."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, _SCRAM_ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    return f"SCRAM-SHA-256${_SCRAM_ITERATIONS}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


_LOGIN_OPTIONS = "LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"


async def _ensure_role(conn: asyncpg.Connection, name: str, options: str) -> None:
    """Create the role, or bring an existing one to exactly these options (roles are shared
    by every database of the server, and parallel runs may race to create them)."""
    if not await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", name):
        try:
            await conn.execute(f'CREATE ROLE "{name}" {options}')
        except asyncpg.DuplicateObjectError:
            pass
        else:
            return
    await conn.execute(f'ALTER ROLE "{name}" {options}')


async def _set_password(conn: asyncpg.Connection, name: str, password: str) -> None:
    if password:
        statement = await conn.fetchval(
            "SELECT format('ALTER ROLE %I PASSWORD %L', $1::text, $2::text)",
            name,
            scram_verifier(password),
        )
        await conn.execute(statement)
    else:
        await conn.execute(f'ALTER ROLE "{name}" PASSWORD NULL')


async def _own_schema(conn: asyncpg.Connection, schema: str, owner: str) -> None:
    """The schema and everything already in it belong to `owner` (also after an upgrade from
    a deployment whose services ran as the superuser)."""
    await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}" AUTHORIZATION "{owner}"')
    await conn.execute(f'ALTER SCHEMA "{schema}" OWNER TO "{owner}"')
    rows = await conn.fetch(
        "SELECT c.relname, c.relkind FROM pg_class AS c"
        " JOIN pg_namespace AS n ON n.oid = c.relnamespace"
        " WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
        " AND pg_get_userbyid(c.relowner) <> $2",
        schema,
        owner,
    )
    for row in rows:
        kind = {"v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}.get(row["relkind"], "TABLE")
        await conn.execute(f'ALTER {kind} "{schema}"."{row["relname"]}" OWNER TO "{owner}"')


def _tenant_functions() -> str:
    members = ", ".join(f'"{login_role(s)}"' for s in TENANT_MEMBERS)
    return f"""
CREATE OR REPLACE FUNCTION platform.create_tenant_role(role_name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF role_name !~ '{TENANT_ROLE_PATTERN}' THEN
        RAISE EXCEPTION 'not a tenant role: %', role_name USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
        EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
    END IF;
    EXECUTE format('GRANT %I TO {members}', role_name);
END
$fn$;
CREATE OR REPLACE FUNCTION platform.drop_tenant_role(role_name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF role_name !~ '{TENANT_ROLE_PATTERN}' THEN
        RAISE EXCEPTION 'not a tenant role: %', role_name USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
        EXECUTE format('DROP ROLE %I', role_name);
    END IF;
END
$fn$;
CREATE OR REPLACE FUNCTION platform.rename_spare_role(spare text, role_name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF spare !~ '{SPARE_ROLE_PATTERN}' OR role_name !~ '{TENANT_ROLE_PATTERN}' THEN
        RAISE EXCEPTION 'not a spare and a tenant role: %, %', spare, role_name
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    EXECUTE format('ALTER ROLE %I RENAME TO %I', spare, role_name);
END
$fn$;
ALTER FUNCTION platform.rename_spare_role(text, text) OWNER TO "{MIGRATOR}";
REVOKE ALL ON FUNCTION platform.rename_spare_role(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION platform.rename_spare_role(text, text) TO "{login_role("provisioner")}";
ALTER FUNCTION platform.create_tenant_role(text) OWNER TO "{MIGRATOR}";
ALTER FUNCTION platform.drop_tenant_role(text) OWNER TO "{MIGRATOR}";
REVOKE ALL ON FUNCTION platform.create_tenant_role(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION platform.drop_tenant_role(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION platform.create_tenant_role(text) TO "{login_role("provisioner")}";
GRANT EXECUTE ON FUNCTION platform.drop_tenant_role(text) TO "{login_role("provisioner")}";
"""


async def _shared_outbox(conn: asyncpg.Connection, logins: str) -> None:
    """The one outbox table of every service (shared/outbox.py), owned by the owner: each
    login may insert its own stream's events (the table's trigger checks) and its relay reads,
    marks and purges rows; tenant roles may only insert (granted to PUBLIC by the migration)."""
    await migrate_in_transaction(conn, OUTBOX_SCHEMA, shared_migrations(OUTBOX_SCHEMA))
    await conn.execute(f'GRANT USAGE ON SCHEMA "{OUTBOX_SCHEMA}" TO {logins}')
    await conn.execute(f'GRANT SELECT ON "{OUTBOX_SCHEMA}".schema_migrations TO {logins}')
    await conn.execute(f'GRANT SELECT, UPDATE, DELETE ON "{OUTBOX_SCHEMA}".events TO {logins}')


async def bootstrap(conn: asyncpg.Connection, passwords: Mapping[str, Secret]) -> None:
    """Roles, schemas, grants and the extension; `conn` is the owner's (a superuser's)."""
    database = await conn.fetchval("SELECT current_database()")
    await _ensure_role(conn, MIGRATOR, "NOLOGIN NOINHERIT CREATEROLE NOSUPERUSER NOCREATEDB")
    for service in DATABASE_SERVICES:
        role = login_role(service)
        await _ensure_role(conn, role, _LOGIN_OPTIONS)
        await _set_password(conn, role, passwords[service].reveal())
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('bookbots:bootstrap'))")
        await conn.execute("CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public")
        await conn.execute(f'REVOKE ALL ON DATABASE "{database}" FROM PUBLIC')
        await conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        logins = ", ".join(f'"{login_role(s)}"' for s in DATABASE_SERVICES)
        await conn.execute(f'GRANT CONNECT ON DATABASE "{database}" TO {logins}')
        await conn.execute(
            f'GRANT CREATE ON DATABASE "{database}" TO "{login_role("provisioner")}"'
        )
        for service, schema in OWN_SCHEMAS.items():
            await _own_schema(conn, schema, login_role(service))
        await conn.execute(_tenant_functions())
        await _shared_outbox(conn, logins)
    log.info("bootstrap: roles, schemas and grants of %s are in place", database)


async def run(settings: BootstrapSettings) -> None:
    conn = await asyncpg.connect(settings.admin_dsn.reveal(), timeout=10)
    try:
        await bootstrap(conn, settings.passwords)
    finally:
        await conn.close()


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        settings = BootstrapSettings.load(Env(environment(Path(".env"))))
    except SettingsError as error:
        sys.stderr.write(f"bootstrap: {error}\n")
        return 2
    asyncio.run(run(settings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
