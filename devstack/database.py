"""Databases for the dev stack and the tests: URLs, and a database made ready like a deployment
(`shared.bootstrap`) with each service's own login."""

from __future__ import annotations

import secrets
from urllib.parse import quote, urlsplit

from devstack.blocking import run_blocking
from shared.bootstrap import bootstrap
from shared.settings import DATABASE_SERVICES, Secret, login_role


def database_url(server_url: str, database: str) -> str:
    parts = urlsplit(server_url)
    return parts._replace(path=f"/{database}").geturl()


def login_url(url: str, role: str, password: str) -> str:
    """`url` with another role and password in it."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return parts._replace(netloc=f"{role}:{quote(password, safe='')}@{host}").geturl()


class LoginUrls(dict[str, str]):
    """Service -> its login's URL; the repr names the services only (URLs hold passwords)."""

    def __repr__(self) -> str:
        return f"LoginUrls({', '.join(sorted(self))})"


def prepare_database(owner_url: str) -> LoginUrls:
    """Run `shared.bootstrap` on a database as its owner, with passwords made now; returns
    each service's own URL (`bookbots_<service>`). Login roles are shared by the whole server:
    a development server with `trust` or password auth both work, as the last run's passwords
    are the ones set."""
    passwords = {service: secrets.token_hex(16) for service in DATABASE_SERVICES}

    async def run() -> None:
        import asyncpg

        conn = await asyncpg.connect(owner_url)
        try:
            await bootstrap(conn, {s: Secret(p) for s, p in passwords.items()})
        finally:
            await conn.close()

    run_blocking(run)
    return LoginUrls({s: login_url(owner_url, login_role(s), p) for s, p in passwords.items()})
