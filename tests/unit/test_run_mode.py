"""`make run` decides its mode from the user's settings and never replaces a value the user set
(devstack.mode, devstack.stack.Stack.service_env)."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.mode import detect
from devstack.stack import Stack, StackConfig
from shared.errors import SettingsError

pytestmark = pytest.mark.unit

SECRET = "s" * 44
REAL = {
    "SALES_BOT_TOKEN": "123:real-sales",
    "OPS_BOT_TOKEN": "456:real-ops",
    "YOOKASSA_SHOP_ID": "555",
    "YOOKASSA_SECRET_KEY": "live_key",
    "PLATFORM_SECRET": SECRET,
    "OPERATOR_IDS": "77",
    "YOOKASSA_RETURN_URL": "https://t.me/my_sales_bot",
}


def stack_for(values: dict[str, str], tmp_path: Path) -> tuple[Stack, str]:
    mode = detect(values)
    stack = Stack(
        StackConfig(
            nats_url="nats://127.0.0.1:1",
            redis_url="redis://127.0.0.1:2/0",
            database_url="postgresql://postgres@127.0.0.1:3/db",
            log_dir=tmp_path,
            webhooks=False,
            user_env=mode.user_env,
            telegram_emulator=not mode.real_telegram,
            yookassa_emulator=not mode.real_yookassa,
            ports={"billing": 8090, "yookassa": 8082, "telegram": 8081},
        )
    )
    return stack, mode.line()


def test_nothing_set_is_the_sandbox() -> None:
    mode = detect({"PATH": "/usr/bin"})
    assert mode.sandbox
    assert mode.line().startswith("mode: sandbox")


def test_real_credentials_reach_the_services_unchanged(tmp_path: Path) -> None:
    stack, line = stack_for(REAL, tmp_path)
    assert line.startswith("mode: real")
    assert "emulator" not in line
    env = stack.service_env("billing")
    for key, value in REAL.items():
        assert env[key] == value
    assert "TELEGRAM_API_BASE" not in env  # the real Bot API, the settings' default
    assert "YOOKASSA_API_URL" not in env
    assert "127.0.0.1/32" not in env.get("YOOKASSA_ALLOWED_NETWORKS", "")


def test_real_telegram_with_the_yookassa_emulator_is_mixed(tmp_path: Path) -> None:
    values = {k: v for k, v in REAL.items() if not k.startswith("YOOKASSA_SHOP")}
    values.pop("YOOKASSA_SECRET_KEY")
    values["TELEGRAM_API_BASE"] = "http://127.0.0.1:8999"
    stack, line = stack_for(values, tmp_path)
    assert line.startswith("mode: mixed")
    assert "YooKassa emulator" in line
    env = stack.service_env("booking")
    assert env["TELEGRAM_API_BASE"] == "http://127.0.0.1:8999"
    assert env["SALES_BOT_TOKEN"] == "123:real-sales"
    assert env["YOOKASSA_API_URL"] == "http://127.0.0.1:8082/v3"
    assert env["YOOKASSA_RETURN_URL"] == "https://t.me/my_sales_bot"  # the user's, kept


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"OPS_BOT_TOKEN": "1:x", "PLATFORM_SECRET": SECRET}, "SALES_BOT_TOKEN"),
        ({"YOOKASSA_SHOP_ID": "1", "PLATFORM_SECRET": SECRET}, "YOOKASSA_SECRET_KEY"),
        ({"SALES_BOT_TOKEN": "1:x"}, "PLATFORM_SECRET"),
    ],
)
def test_half_configured_credentials_stop_with_one_line(
    values: dict[str, str], complaint: str
) -> None:
    with pytest.raises(SettingsError, match=complaint):
        detect(values)


def test_the_infrastructure_make_run_owns_is_named_not_silently_replaced() -> None:
    mode = detect({**REAL, "NATS_URL": "nats://prod:4222", "DATABASE_URL": "postgresql://x"})
    assert mode.ignored == ("NATS_URL", "DATABASE_URL")
    assert "NATS_URL" not in mode.user_env
