"""Run the emulator: ``python -m sandbox.yookassa --port 8082 --shop 123456:test_secret``."""

from __future__ import annotations

import argparse

import uvicorn

from sandbox.yookassa.app import create_app
from sandbox.yookassa.config import NotificationRetryPolicy, YooKassaSandboxConfig


def parse_shop(raw: str) -> tuple[str, str]:
    shop_id, sep, secret = raw.partition(":")
    if not sep or not shop_id or not secret:
        raise argparse.ArgumentTypeError("a shop is SHOP_ID:SECRET_KEY")
    return shop_id, secret


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.yookassa", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082)
    parser.add_argument("--public-base-url", help="how buyers reach this server")
    parser.add_argument(
        "--shop", action="append", type=parse_shop, required=True, help="SHOP_ID:SECRET_KEY"
    )
    parser.add_argument("--notification-url", help="billing's POST /webhooks/yookassa")
    parser.add_argument("--retry-attempts", type=int, default=6)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    try:
        config = YooKassaSandboxConfig(
            shops=dict(args.shop),
            public_base_url=args.public_base_url or f"http://{args.host}:{args.port}",
            notification_url=args.notification_url,
            retry=_retry(args.retry_attempts),
        )
    except ValueError as exc:
        parser.error(str(exc))
    uvicorn.run(create_app(config), host=args.host, port=args.port, log_level=args.log_level)


def _retry(attempts: int) -> NotificationRetryPolicy:
    return NotificationRetryPolicy(max_attempts=attempts)


if __name__ == "__main__":
    main()
