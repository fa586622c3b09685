"""What the operator's dashboards read, from the running services: every series a dashboard or
an alert rule names is on the `/metrics` page of the service it names; a purchase moves the
payment and tenant figures; consumers report their lag; and a real Prometheus (Debian's
`prometheus`, when installed) scrapes all five services and loads the alert rules."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from devstack.demo import Endpoints, buy_business
from devstack.infra import free_port
from devstack.stack import SERVICES, Stack
from sandbox.telegram import TelegramSandboxClient
from tests.conftest import RUN_ID
from tests.support.chat import ChatUser
from tests.support.promql import base_name, exposed_names, metric_names
from tests.support.waiting import until

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

MONITORING = Path(__file__).resolve().parents[2] / "deploy" / "monitoring"
# Series that come from the exporters of deploy/compose.monitoring.yml, not from a service.
EXPORTER_PREFIXES = ("pg_", "gnatsd_", "jetstream_", "redis_")
PROMETHEUS = shutil.which("prometheus")
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$")


def wanted_series() -> dict[str, set[str]]:
    """Every service series the dashboards and rules read -> the jobs they name (empty: any)."""
    exprs = []
    for path in (MONITORING / "grafana" / "dashboards").glob("*.json"):
        for panel in json.loads(path.read_text())["panels"]:
            exprs += [target["expr"] for target in panel.get("targets", [])]
    rules = yaml.safe_load((MONITORING / "prometheus" / "alerts.yml").read_text())
    exprs += [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    wanted: dict[str, set[str]] = {}
    for expr in exprs:
        for name, jobs in metric_names(expr).items():
            if name != "up" and not name.startswith(EXPORTER_PREFIXES):
                wanted.setdefault(base_name(name), set()).update(jobs)
    return wanted


async def scrape(stack: Stack, service: str) -> str:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(f"{stack.config.url(service)}/metrics")
    assert response.status_code == 200
    return response.text


def sample(page: str, name: str, **labels: str) -> float | None:
    for line in page.splitlines():
        match = _SAMPLE.match(line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if all(found.get(key) == value for key, value in labels.items()):
            return float(match.group(3))
    return None


async def test_every_series_the_dashboards_read_is_exposed(stack: Stack) -> None:
    pages = {service: exposed_names(await scrape(stack, service)) for service in SERVICES}
    missing = []
    for name, jobs in sorted(wanted_series().items()):
        owners = jobs or set(SERVICES)
        if jobs and not all(name in pages[job] for job in jobs):
            missing.append(f"{name} (from {sorted(jobs)})")
        elif not any(name in pages[service] for service in owners):
            missing.append(name)
    assert not missing, "dashboards read series no service exposes: " + ", ".join(missing)


async def test_consumers_report_their_lag_and_dead_letters(stack: Stack) -> None:
    booking = await scrape(stack, "booking")
    assert sample(booking, "bus_consumer_pending", stream="TG") is not None
    assert sample(booking, "bus_dead_letters") == 0
    notifier = await scrape(stack, "notifier")
    assert sample(notifier, "notifier_deliveries", status="pending") is not None
    assert sample(notifier, "telegram_send_results_total", result="429") is not None
    for service in SERVICES:
        page = await scrape(stack, service)
        failures = [line for line in page.splitlines() if line.startswith("metrics_probe_fail")]
        assert all(line.endswith(" 0.0") for line in failures if "{" in line), failures


async def test_a_purchase_shows_in_payments_and_tenants(
    stack: Stack, endpoints: Endpoints, telegram: TelegramSandboxClient
) -> None:
    def figures(billing: str, provisioner: str) -> tuple[float, float]:
        paid = sample(billing, "billing_payments", purpose="new", status="succeeded")
        active = sample(provisioner, "platform_tenants", status="active")
        assert paid is not None
        assert active is not None
        return paid, active

    paid, active = figures(await scrape(stack, "billing"), await scrape(stack, "provisioner"))
    bot = f"metrics_{RUN_ID}_{uuid.uuid4().hex[:4]}_bot"
    buyer = 10_000_000 + uuid.uuid4().int % 80_000_000
    await buy_business(
        endpoints, business_name="Салон «Метрика»", bot_username=bot, buyer_chat_id=buyer
    )
    await ChatUser(telegram, endpoints.sales_bot, user_id=buyer).expect(f"@{bot}", wait=30)
    now = figures(await scrape(stack, "billing"), await scrape(stack, "provisioner"))
    assert now[0] >= paid + 1
    assert now[1] >= active + 1


@pytest.fixture
def prometheus(stack: Stack, tmp_path: Path) -> Iterator[str]:
    if PROMETHEUS is None:
        pytest.skip("prometheus missing: apt-get install prometheus (.ci/run installs it)")
    shutil.copy(MONITORING / "prometheus" / "alerts.yml", tmp_path / "alerts.yml")
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(tmp_path / "alerts.yml")],
        "scrape_configs": [
            {
                "job_name": service,
                "static_configs": [{"targets": [stack.config.url(service).split("//")[1]]}],
            }
            for service in SERVICES
        ],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    log = (tmp_path / "prometheus.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - the installed prometheus, our own arguments
        [
            PROMETHEUS,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


async def test_prometheus_scrapes_every_service_and_loads_the_rules(prometheus: str) -> None:
    async with httpx.AsyncClient(base_url=prometheus, timeout=5) as client:

        async def all_up() -> bool:
            try:
                response = await client.get("/api/v1/targets")
            except httpx.TransportError:
                return False  # not listening yet
            if response.status_code != 200:
                return False  # listening, still opening its storage
            targets = response.json()["data"]["activeTargets"]
            return len(targets) == len(SERVICES) and all(t["health"] == "up" for t in targets)

        await until(all_up, 60, "Prometheus to scrape all five services")

        async def lag_seen() -> bool:
            query = {"query": "max by (stream, consumer) (bus_consumer_pending)"}
            result = (await client.get("/api/v1/query", params=query)).json()["data"]["result"]
            return {item["metric"]["stream"] for item in result} >= {"TG", "BILLING", "BOOKING"}

        await until(lag_seen, 30, "consumer lag of the TG, BILLING and BOOKING streams")
        groups = (await client.get("/api/v1/rules")).json()["data"]["groups"]
        rules = {rule["name"]: rule["health"] for group in groups for rule in group["rules"]}
        assert "ConsumerLagging" in rules
        assert set(rules.values()) == {"ok"}, rules
