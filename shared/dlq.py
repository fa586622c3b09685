"""`python -m shared.dlq list|show|replay|drop`: the dead letters of every service.

Each service dead-letters to `dlq.<service>` (stream `DLQ`) the messages it gave up on: a
`DeadLetter` with the original subject, the number of deliveries, the reason and the payload
(secrets redacted). This tool reads them with the admin NATS user (`NATS_URL`, `NATS_USER`,
`NATS_PASSWORD`, from the environment or `.env`):

- `list [--service S]`: one line per letter: stream sequence, time, service, deliveries,
  original subject and reason;
- `show SEQ`: one letter with its payload;
- `replay SEQ`: publish the payload again to its original subject with a fresh `Nats-Msg-Id`,
  wait for the stream to store it, then remove the letter;
- `drop SEQ`: remove the letter.

A payload is replayed as stored: a secret redacted from it stays redacted (such a message is
better re-done by the person). Exit codes: 0 done, 1 no such letter, 3 NATS unavailable.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

import msgspec
import nats
from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.js.errors import NotFoundError

from shared.bus import MSG_ID_HEADER
from shared.errors import AppError
from shared.messages import DeadLetter
from shared.settings import Env, Secret, environment
from shared.subjects import STREAM_DLQ, dead_letter

PROG = "python -m shared.dlq"
EXIT_OK, EXIT_NOT_FOUND, EXIT_FAILED = 0, 1, 3


@dataclass(frozen=True, slots=True)
class AdminNats:
    """The admin login: the only user allowed to read every `dlq.<service>` and delete."""

    url: str
    user: str
    password: Secret

    @classmethod
    def load(cls, env: Env) -> AdminNats:
        return cls(
            url=env.str("NATS_URL", "nats://127.0.0.1:4222"),
            user=env.optional("NATS_USER") or "",
            password=env.optional_secret("NATS_PASSWORD"),
        )


@dataclass(frozen=True, slots=True)
class Letter:
    sequence: int
    time: datetime | None
    letter: DeadLetter


class NoSuchLetter(AppError):
    def __init__(self, sequence: int) -> None:
        super().__init__(f"no dead letter at sequence {sequence}")
        self.sequence = sequence


class DeadLetters:
    """The `DLQ` stream as a list of letters, with replay and drop."""

    def __init__(self, connection: Client, *, timeout: float = 5.0) -> None:
        self._js = connection.jetstream(timeout=timeout)

    async def letters(self, service: str | None = None) -> AsyncIterator[Letter]:
        subject = dead_letter(service) if service else "dlq.>"
        sequence = 1
        while True:
            try:
                raw = await self._js.get_msg(STREAM_DLQ.name, sequence, subject=subject, next=True)
            except NotFoundError:
                return
            assert raw.seq is not None
            yield Letter(raw.seq, raw.time, msgspec.json.decode(raw.data or b"", type=DeadLetter))
            sequence = raw.seq + 1

    async def get(self, sequence: int) -> Letter:
        try:
            raw = await self._js.get_msg(STREAM_DLQ.name, sequence)
        except NotFoundError:
            raise NoSuchLetter(sequence) from None
        return Letter(sequence, raw.time, msgspec.json.decode(raw.data or b"", type=DeadLetter))

    async def replay(self, sequence: int) -> str:
        """Republish the letter's payload to its subject, then remove it; returns the new id."""
        found = await self.get(sequence)
        msg_id = f"replay:{sequence}:{uuid.uuid4().hex}"
        await self._js.publish(
            found.letter.subject,
            found.letter.payload.encode(),
            headers={MSG_ID_HEADER: msg_id, "content-type": "application/json"},
        )
        await self.drop(sequence)
        return msg_id

    async def drop(self, sequence: int) -> None:
        try:
            await self._js.delete_msg(STREAM_DLQ.name, sequence)
        except NotFoundError:
            raise NoSuchLetter(sequence) from None


def _when(time: datetime | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S") if time else "-"


def _one_line(text: str, width: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


async def run(args: argparse.Namespace, settings: AdminNats, out: TextIO) -> int:
    options: dict[str, object] = {"connect_timeout": 5, "max_reconnect_attempts": 0}
    if settings.user:
        options |= {"user": settings.user, "password": settings.password.reveal()}
    try:
        connection = await nats.connect(settings.url, **options)
    except (NatsError, OSError) as error:
        print(f"NATS at {settings.url} is unavailable: {error!r}", file=sys.stderr)  # noqa: T201
        return EXIT_FAILED
    letters = DeadLetters(connection)
    try:
        if args.command == "list":
            print("SEQ\tTIME (UTC)\tSERVICE\tDELIVERIES\tSUBJECT\tREASON", file=out)
            async for found in letters.letters(args.service):
                item = found.letter
                print(
                    f"{found.sequence}\t{_when(found.time)}\t{item.service}\t{item.deliveries}"
                    f"\t{item.subject}\t{_one_line(item.error)}",
                    file=out,
                )
        elif args.command == "show":
            found = await letters.get(args.seq)
            item = found.letter
            for label, value in (
                ("sequence", found.sequence),
                ("time", _when(found.time)),
                ("service", item.service),
                ("subject", item.subject),
                ("deliveries", item.deliveries),
                ("reason", item.error),
            ):
                print(f"{label}: {value}", file=out)
            print(f"payload:\n{item.payload}", file=out)
        elif args.command == "replay":
            found = await letters.get(args.seq)
            msg_id = await letters.replay(args.seq)
            print(
                f"replayed {args.seq} to {found.letter.subject} as {msg_id}; letter removed",
                file=out,
            )
        else:
            await letters.drop(args.seq)
            print(f"dropped {args.seq}", file=out)
    except NoSuchLetter as error:
        print(str(error), file=sys.stderr)  # noqa: T201
        return EXIT_NOT_FOUND
    except (NatsError, TimeoutError) as error:
        print(f"NATS failed: {error!r}", file=sys.stderr)  # noqa: T201
        return EXIT_FAILED
    finally:
        await connection.close()
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog=PROG, description="Dead letters of every service.")
    sub = top.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list", help="one line per dead letter")
    listing.add_argument("--service", help="only this service's letters (dlq.<service>)")
    for name, text in (
        ("show", "one letter with its payload"),
        ("replay", "publish the payload to its original subject again, then remove the letter"),
        ("drop", "remove the letter"),
    ):
        command = sub.add_parser(name, help=text)
        command.add_argument("seq", type=int, help="the letter's sequence in the DLQ stream")
    return top


def main(argv: Sequence[str] | None = None, *, out: TextIO = sys.stdout) -> int:
    args = parser().parse_args(argv)
    settings = AdminNats.load(Env(environment(Path(".env"))))
    return asyncio.run(run(args, settings, out))


if __name__ == "__main__":
    sys.exit(main())
