"""deploy/compose.yml (production) and deploy/compose.sandbox.yml (the sandbox overlay) cannot
run here (no Docker engine), so they are checked against the code: every service is there and
runs a real entry point; its environment is exactly what its settings read; every secret is
required with a clear message; no emulator, no published NATS and no open allowlist in
production; the one-shot `init` service runs before the services; `.env.example` lists every
variable the files use."""

from __future__ import annotations

import copy
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
from shared.nats_permissions import SERVICES, USERS, password_variable
from shared.settings import DATABASE_SERVICES, Env, login_role

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_TEXT = (ROOT / "deploy" / "compose.yml").read_text()
SANDBOX_TEXT = (ROOT / "deploy" / "compose.sandbox.yml").read_text()
PRODUCTION = yaml.safe_load(PRODUCTION_TEXT)
OVERLAY = yaml.safe_load(SANDBOX_TEXT)
SANDBOX_ENV = (ROOT / "deploy" / "sandbox.env").read_text()
ENV_EXAMPLE = (ROOT / ".env.example").read_text()
SETTINGS: dict[str, Callable[[Env], Any]] = {
    "gateway": GatewaySettings.load,
    "booking": BookingSettings.load,
    "billing": BillingSettings.load,
    "provisioner": ProvisionerSettings.load,
    "notifier": NotifierSettings.load,
}
SECRETS = {
    "PLATFORM_SECRET",
    "SALES_BOT_TOKEN",
    "OPS_BOT_TOKEN",
    "YOOKASSA_SHOP_ID",
    "YOOKASSA_SECRET_KEY",
    "POSTGRES_PASSWORD",
    *(f"DB_PASSWORD_{s.upper()}" for s in DATABASE_SERVICES),
    *(password_variable(user) for user in USERS),
}
_VARIABLE = re.compile(r"\$\{(\w+)(?::-([^}]*)|:\?([^}]*))?\}")


def merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """Compose's merge for what these files use: mappings merge, anything else replaces."""
    merged = copy.deepcopy(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


SANDBOX = merge(PRODUCTION, {k: v for k, v in OVERLAY.items() if not k.startswith("x-")})


STAND_INS = {"OPERATOR_IDS": "4242"}  # what a user sets, where 40 letters would not parse


def resolve(value: object) -> str:
    """`${VAR:-default}` -> default; `${VAR:?msg}` -> a stand-in a user must set."""

    def one(match: re.Match[str]) -> str:
        if match.group(2) is not None:
            return match.group(2)
        return STAND_INS.get(match.group(1), secrets.token_urlsafe(48))

    return _VARIABLE.sub(one, str(value))


class Recording(dict[str, str]):
    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self.read.add(key)
        return super().get(key, default)


def environment(compose: dict[str, Any], service: str) -> dict[str, str]:
    raw = compose["services"][service].get("environment", {})
    return {key: resolve(value) for key, value in raw.items()}


def test_production_runs_every_service_and_no_emulator() -> None:
    names = set(PRODUCTION["services"])
    assert set(SETTINGS) | {"nats", "nats-box", "postgres", "redis", "init", "backup"} == names
    assert "sandbox" not in re.sub(r"^\s*#.*$", "", PRODUCTION_TEXT, flags=re.MULTILINE)
    assert {"sandbox-telegram", "sandbox-yookassa"} <= set(SANDBOX["services"])


@pytest.mark.parametrize("compose", [PRODUCTION, SANDBOX], ids=["production", "sandbox"])
def test_nats_is_not_published_on_the_host(compose: dict[str, Any]) -> None:
    for name, spec in compose["services"].items():
        assert not any("4222" in str(port) for port in spec.get("ports", [])), name
    nats = compose["services"]["nats"]
    assert "./nats/nats.conf:/etc/nats/nats.conf:ro" in nats["volumes"]
    assert nats["command"][:2] == ["-c", "/etc/nats/nats.conf"]
    assert set(nats["environment"]) == {password_variable(user) for user in USERS}


@pytest.mark.parametrize("text", [PRODUCTION_TEXT, SANDBOX_TEXT, ENV_EXAMPLE, SANDBOX_ENV])
def test_no_open_allowlist_anywhere(text: str) -> None:
    assert "0.0.0.0/0" not in text
    assert "::/0" not in text


def test_every_secret_is_required_with_a_message_in_production() -> None:
    uses: dict[str, set[str]] = {}
    for match in _VARIABLE.finditer(PRODUCTION_TEXT):
        kind = "required" if match.group(3) is not None else "default"
        if match.group(2) is None and match.group(3) is None:
            kind = "bare"
        uses.setdefault(match.group(1), set()).add(kind)
        if kind == "required":
            assert match.group(3).strip(), f"{match.group(1)} is required without a message"
    for secret in SECRETS:
        assert uses.get(secret) == {"required"}, f"{secret}: {uses.get(secret)}"


def test_every_service_logs_in_as_itself() -> None:
    for service in SETTINGS:
        env = PRODUCTION["services"][service]["environment"]
        assert env["NATS_USER"] == service
        assert env["NATS_PASSWORD"].startswith(f"${{{password_variable(service)}:?")
        if service in DATABASE_SERVICES:
            assert env["DATABASE_URL"].startswith(f"postgresql://{login_role(service)}:")
            assert f"${{DB_PASSWORD_{service.upper()}:?" in env["DATABASE_URL"]
    box = PRODUCTION["services"]["nats-box"]["environment"]
    assert box["NATS_USER"] == "inspector"


def test_the_init_service_runs_first() -> None:
    init = PRODUCTION["services"]["init"]
    assert "shared.bootstrap" in " ".join(init["command"])
    assert "shared.bus_setup" in " ".join(init["command"])
    assert init["environment"]["NATS_USER"] == "admin"
    for module in ("shared.bootstrap", "shared.bus_setup"):
        assert importlib.util.find_spec(module) is not None
    for service in SETTINGS:
        depends = PRODUCTION["services"][service]["depends_on"]
        assert depends["init"] == {"condition": "service_completed_successfully"}


@pytest.mark.parametrize("service", sorted(PRODUCTION["services"]))
def test_images_are_pinned_and_there_is_a_healthcheck(service: str) -> None:
    spec = PRODUCTION["services"][service]
    image = spec["image"]
    assert ":" in image
    assert not image.endswith(":latest")
    if service not in {"nats-box", "init"}:
        assert "healthcheck" in spec


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_the_command_runs_the_service_entry_point(service: str) -> None:
    command = PRODUCTION["services"][service]["command"]
    assert command[:3] == ["python", "-m", f"services.{service}"]
    module = importlib.import_module(f"services.{service}.main")
    assert callable(module.create_app)
    assert (ROOT / "services" / service / "__main__.py").is_file()


@pytest.mark.parametrize("compose", [PRODUCTION, SANDBOX], ids=["production", "sandbox"])
@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_the_environment_is_what_the_settings_read(compose: dict[str, Any], service: str) -> None:
    values = Recording(environment(compose, service))
    settings = SETTINGS[service](Env(values))  # raises SettingsError if anything is wrong
    unknown = set(values) - values.read
    assert not unknown, f"{service} sets variables its settings never read: {unknown}"
    assert str(settings.http.port) in " ".join(compose["services"][service]["healthcheck"]["test"])


def test_the_sandbox_points_every_service_at_the_emulators() -> None:
    for service in SETTINGS:
        assert environment(SANDBOX, service)["TELEGRAM_API_BASE"].startswith(
            "http://sandbox-telegram:"
        )
    billing = environment(SANDBOX, "billing")
    assert billing["YOOKASSA_API_URL"].startswith("http://sandbox-yookassa:")
    command = " ".join(SANDBOX["services"]["sandbox-yookassa"]["command"])
    assert f"http://billing:{billing['HTTP_PORT']}/webhooks/yookassa" in command
    for module in ("sandbox.telegram", "sandbox.yookassa"):
        name = "sandbox-" + module.split(".")[1]
        assert SANDBOX["services"][name]["command"][:3] == ["python", "-m", module]
        assert importlib.util.find_spec(f"{module}.__main__") is not None


def test_the_sandbox_env_file_fills_every_required_variable() -> None:
    given = {line.split("=", 1)[0] for line in SANDBOX_ENV.splitlines() if "=" in line}
    required = {m.group(1) for m in _VARIABLE.finditer(PRODUCTION_TEXT) if m.group(3)}
    assert required <= given


def test_env_example_lists_every_variable_the_compose_files_use() -> None:
    listed = set(re.findall(r"^(\w+)=", ENV_EXAMPLE, flags=re.MULTILINE))
    used = {m.group(1) for m in _VARIABLE.finditer(PRODUCTION_TEXT + SANDBOX_TEXT)}
    assert used <= listed, used - listed
    for service in SERVICES:
        assert password_variable(service) in listed
