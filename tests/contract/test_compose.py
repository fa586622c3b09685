"""deploy/compose.yml cannot run here (no Docker engine), so it is checked against the code:
every service is there, runs a real entry point, and its environment is exactly what that
service's settings read and accept."""

from __future__ import annotations

import importlib
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.billing.config import BillingSettings
from services.booking.config import BookingSettings
from services.gateway.config import GatewaySettings
from services.notifier.config import NotifierSettings
from services.provisioner.config import ProvisionerSettings
from shared.settings import Env

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "deploy" / "compose.yml").read_text())
SETTINGS: dict[str, Callable[[Env], Any]] = {
    "gateway": GatewaySettings.load,
    "booking": BookingSettings.load,
    "billing": BillingSettings.load,
    "provisioner": ProvisionerSettings.load,
    "notifier": NotifierSettings.load,
}
_DEFAULT = re.compile(r"\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}")


def resolve(value: object) -> str:
    """`${VAR:-default}` -> default; `${VAR:?msg}` -> a stand-in a user must set (random, as
    `PLATFORM_SECRET` must be)."""
    text = str(value)
    return _DEFAULT.sub(
        lambda m: m.group(2) if m.group(2) is not None else secrets.token_urlsafe(48), text
    )


class Recording(dict[str, str]):
    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self.read.add(key)
        return super().get(key, default)


def environment(service: str) -> dict[str, str]:
    raw = COMPOSE["services"][service].get("environment", {})
    return {key: resolve(value) for key, value in raw.items()}


def test_every_service_and_the_infrastructure_is_present() -> None:
    names = set(COMPOSE["services"])
    assert set(SETTINGS) <= names
    assert {
        "nats",
        "postgres",
        "redis",
        "nats-box",
        "sandbox-telegram",
        "sandbox-yookassa",
    } <= names


@pytest.mark.parametrize("service", sorted(COMPOSE["services"]))
def test_images_are_pinned_and_there_is_a_healthcheck(service: str) -> None:
    spec = COMPOSE["services"][service]
    image = spec["image"]
    assert ":" in image
    assert not image.endswith(":latest")
    if service != "nats-box":
        assert "healthcheck" in spec


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_the_command_runs_the_service_entry_point(service: str) -> None:
    command = COMPOSE["services"][service]["command"]
    assert command[:3] == ["python", "-m", f"services.{service}"]
    module = importlib.import_module(f"services.{service}.main")
    assert callable(module.create_app)
    assert (ROOT / "services" / service / "__main__.py").is_file()


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_the_environment_is_what_the_settings_read(service: str) -> None:
    values = Recording(environment(service))
    settings = SETTINGS[service](Env(values))  # raises SettingsError if anything is wrong
    unknown = set(values) - values.read
    assert not unknown, f"{service} sets variables its settings never read: {unknown}"
    port = settings.http.port
    assert str(port) in " ".join(COMPOSE["services"][service]["healthcheck"]["test"])


@pytest.mark.parametrize("module", ["sandbox.telegram", "sandbox.yookassa"])
def test_the_sandbox_commands_point_at_real_modules(module: str) -> None:
    name = "sandbox-" + module.split(".")[1]
    assert COMPOSE["services"][name]["command"][:3] == ["python", "-m", module]
    assert importlib.util.find_spec(f"{module}.__main__") is not None


def test_the_sandbox_notifies_billing_on_its_port() -> None:
    command = " ".join(COMPOSE["services"]["sandbox-yookassa"]["command"])
    assert f"http://billing:{environment('billing')['HTTP_PORT']}/webhooks/yookassa" in command
