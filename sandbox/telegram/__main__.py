"""Run the emulator: ``python -m sandbox.telegram --port 8081 --public-base-url http://...``."""

from __future__ import annotations

import argparse
import logging

import uvicorn

from sandbox.telegram.app import create_app
from sandbox.telegram.config import TelegramSandboxConfig


def _preset(item: str, parser: argparse.ArgumentParser) -> tuple[str, str]:
    username, sep, token = item.partition("=")
    if not sep or not username or not token:
        parser.error(f"--bot takes USERNAME=TOKEN, got {item.split('=', maxsplit=1)[0]!r}=...")
    return username, token


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.telegram", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--public-base-url", default=None, help="defaults to http://HOST:PORT")
    parser.add_argument("--no-flood-limits", action="store_true", help="never answer 429")
    parser.add_argument("--log-level", default="info")
    parser.add_argument(
        "--bot",
        action="append",
        default=[],
        metavar="USERNAME=TOKEN",
        help="a bot that exists from the start (the platform's own bots under compose)",
    )
    args = parser.parse_args()
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    config = TelegramSandboxConfig(
        public_base_url=args.public_base_url or f"http://{args.host}:{args.port}",
        flood_limits=not args.no_flood_limits,
        preset_bots=tuple(_preset(item, parser) for item in args.bot),
    )
    # access_log off: Bot API URLs carry bot tokens, which must never reach a log.
    uvicorn.run(
        create_app(config),
        host=args.host,
        port=args.port,
        access_log=False,
        log_level=args.log_level,
    )


if __name__ == "__main__":
    main()
