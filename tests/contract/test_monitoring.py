"""deploy/compose.monitoring.yml, Prometheus's configuration and rules, and Grafana's
provisioning, checked against the production compose file and the code (no Docker here):
pinned images, files that exist, scrape targets on the services' real ports, alert rules that
fire on the data they should (promtool), dashboards on the provisioned data source."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support.promql import metric_names

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
MONITORING_DIR = DEPLOY / "monitoring"
PRODUCTION = yaml.safe_load((DEPLOY / "compose.yml").read_text())
MONITORING_TEXT = (DEPLOY / "compose.monitoring.yml").read_text()
MONITORING = yaml.safe_load(MONITORING_TEXT)
PROMETHEUS = yaml.safe_load((MONITORING_DIR / "prometheus" / "prometheus.yml").read_text())
RULES = yaml.safe_load((MONITORING_DIR / "prometheus" / "alerts.yml").read_text())
DATASOURCES = yaml.safe_load(
    (MONITORING_DIR / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text()
)
DASHBOARDS = sorted((MONITORING_DIR / "grafana" / "dashboards").glob("*.json"))
SERVICES = ("gateway", "booking", "billing", "provisioner", "notifier")
EXPORTERS = {"nats": "nats-exporter", "postgres": "postgres-exporter", "redis": "redis-exporter"}
PROMTOOL = shutil.which("promtool")
NO_PROMTOOL = "promtool missing: apt-get install prometheus (.ci/run installs it)"


def dashboard_exprs() -> list[str]:
    exprs = []
    for path in DASHBOARDS:
        for panel in json.loads(path.read_text())["panels"]:
            exprs += [target["expr"] for target in panel.get("targets", [])]
    return exprs


def rule_exprs() -> list[str]:
    return [rule["expr"] for group in RULES["groups"] for rule in group["rules"]]


def test_every_image_is_pinned_to_a_version() -> None:
    for name, spec in MONITORING["services"].items():
        image = spec["image"]
        assert re.search(r":v?\d+\.\d+\.\d+$", image), f"{name}: {image} is not pinned"


def test_every_mounted_file_exists() -> None:
    for name, spec in MONITORING["services"].items():
        for volume in spec.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (DEPLOY / source).exists(), f"{name} mounts missing {source}"


def test_monitoring_depends_on_services_the_production_file_has() -> None:
    known = set(PRODUCTION["services"]) | set(MONITORING["services"])
    for name, spec in MONITORING["services"].items():
        depends = spec.get("depends_on", [])
        assert set(depends) <= known, name
    assert {"prometheus-data", "grafana-data"} <= set(MONITORING["volumes"])


def test_nothing_is_published_beyond_localhost() -> None:
    for name, spec in MONITORING["services"].items():
        for port in spec.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} to the world"


def test_grafana_needs_a_password_and_allows_no_sign_up() -> None:
    env = MONITORING["services"]["grafana"]["environment"]
    assert env["GF_SECURITY_ADMIN_PASSWORD"].startswith("${GRAFANA_ADMIN_PASSWORD:?")
    assert env["GF_USERS_ALLOW_SIGN_UP"] == "false"
    listed = set(re.findall(r"^(\w+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    used = set(re.findall(r"\$\{(\w+)", MONITORING_TEXT))
    assert used <= listed, f".env.example lacks {used - listed}"


def test_prometheus_scrapes_every_service_on_its_http_port() -> None:
    jobs = {job["job_name"]: job for job in PROMETHEUS["scrape_configs"]}
    for service in SERVICES:
        (target,) = jobs[service]["dns_sd_configs"]
        port = int(PRODUCTION["services"][service]["environment"]["HTTP_PORT"])
        assert target == {"names": [service], "type": "A", "port": port, "refresh_interval": "30s"}
    for job, exporter in EXPORTERS.items():
        (static,) = jobs[job]["static_configs"]
        (target,) = static["targets"]
        assert target.split(":")[0] == exporter
        assert exporter in MONITORING["services"]
    nats = PRODUCTION["services"]["nats"]["command"]
    assert nats[nats.index("-m") + 1] == "8222"
    assert "http://nats:8222" in MONITORING["services"]["nats-exporter"]["command"]


def test_dashboards_use_the_provisioned_data_source() -> None:
    (source,) = DATASOURCES["datasources"]
    assert source["url"] == "http://prometheus:9090"
    assert DASHBOARDS, "no dashboard provisioned"
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        for panel in dashboard["panels"]:
            if panel["type"] == "row":
                continue
            assert panel["datasource"]["uid"] == source["uid"], panel["title"]
            assert panel["targets"], panel["title"]


def test_dashboards_cover_what_an_operator_watches() -> None:
    read = set().union(*(metric_names(expr) for expr in dashboard_exprs()))
    wanted = {
        "http_requests_total",  # updates/s and webhook errors
        "bus_handle_seconds_bucket",  # step latency per service
        "bus_consumer_pending",  # consumer lag per stream
        "bus_dead_letters",  # DLQ depth
        "notifier_deliveries",  # the notifier's queue
        "telegram_send_results_total",  # 429s
        "platform_tenants",  # tenants by status
        "billing_payments",  # payments per hour
        "pg_up",  # Postgres health
        "gnatsd_varz_connections",  # NATS health (its monitoring endpoint)
    }
    assert wanted <= read, wanted - read


def test_alert_rules_cover_the_failures_that_matter() -> None:
    names = {rule["alert"] for group in RULES["groups"] for rule in group["rules"]}
    assert {"DeadLettersGrowing", "ConsumerLagging", "WebhookErrors", "RenewalsFailing"} <= names


@pytest.mark.skipif(PROMTOOL is None, reason=NO_PROMTOOL)
def test_prometheus_accepts_the_configuration(tmp_path: Path) -> None:
    config = tmp_path / "prometheus.yml"
    shutil.copy(MONITORING_DIR / "prometheus" / "alerts.yml", tmp_path / "alerts.yml")
    text = (MONITORING_DIR / "prometheus" / "prometheus.yml").read_text()
    config.write_text(text.replace("/etc/prometheus/alerts.yml", str(tmp_path / "alerts.yml")))
    result = subprocess.run(  # noqa: S603 - the installed promtool, our own arguments
        [str(PROMTOOL), "check", "config", str(config)], check=False, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 10 rules found" in result.stdout + result.stderr


@pytest.mark.skipif(PROMTOOL is None, reason=NO_PROMTOOL)
def test_alerts_fire_on_bad_data_and_stay_quiet_on_good() -> None:
    result = subprocess.run(  # noqa: S603 - the installed promtool, our own arguments
        [str(PROMTOOL), "test", "rules", "alerts_test.yml"],
        check=False,
        cwd=MONITORING_DIR / "prometheus",
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout
