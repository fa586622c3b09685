"""deploy/compose.cluster.yml (three NATS servers, service replicas) cannot run here (no Docker
engine), so it is checked against the code, merged over deploy/compose.yml as `-f a -f b` does:
every node runs the generated cluster file with its own name and store, the cluster file routes
to every node, the streams are created with three replicas, every service runs in replicas with
its real entry point, lists every node and sets only what its settings read."""

from __future__ import annotations

import copy
import importlib
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.nats_permissions import (
    CLUSTER_CONF_PATH,
    CLUSTER_NODES,
    CLUSTER_PORT,
    USERS,
    password_variable,
    render_cluster,
)
from shared.settings import BusSetupSettings, Env, NatsSettings, login_role
from tests.contract.test_compose import PRODUCTION, SETTINGS, Recording, environment, resolve

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
CLUSTER_TEXT = (ROOT / "deploy" / "compose.cluster.yml").read_text()
ENV_EXAMPLE = (ROOT / ".env.example").read_text()
_VARIABLE = re.compile(r"\$\{(\w+)(?::-([^}]*)|:\?([^}]*))?\}")


class Override(list[Any]):
    """A value tagged `!override`: Compose replaces the base's value instead of merging."""


class _Loader(yaml.SafeLoader):
    pass


def _override(loader: _Loader, node: yaml.Node) -> Override:
    assert isinstance(node, yaml.SequenceNode), "this file only overrides lists"
    return Override(loader.construct_sequence(node))


_Loader.add_constructor("!override", _override)
CLUSTER = yaml.load(CLUSTER_TEXT, Loader=_Loader)  # noqa: S506 - SafeLoader plus one tag


def _target(volume: str) -> str:
    return volume.split(":")[1]


_APPENDED = {"ports", "expose", "dns", "dns_search", "tmpfs", "external_links"}


def merge(base: Any, overlay: Any, key: str = "") -> Any:
    """Compose's merge: mappings merge, `volumes` merge by container path, the lists in
    `_APPENDED` are appended without duplicates, any other list (`command`) and scalars are
    replaced, `!override` replaces."""
    if isinstance(overlay, Override):
        return list(overlay)
    if isinstance(base, dict) and isinstance(overlay, dict):
        merged = copy.deepcopy(base)
        for name, value in overlay.items():
            merged[name] = merge(base[name], value, name) if name in base else copy.deepcopy(value)
        return merged
    if isinstance(base, list) and isinstance(overlay, list) and key in {"volumes", *_APPENDED}:
        if key == "volumes":
            by_target = {_target(v): v for v in base} | {_target(v): v for v in overlay}
            return list(by_target.values())
        return [*base, *(item for item in overlay if item not in base)]
    return copy.deepcopy(overlay)


MERGED = merge(PRODUCTION, {k: v for k, v in CLUSTER.items() if not k.startswith("x-")})
NODES = [MERGED["services"][node] for node in CLUSTER_NODES]


def test_the_committed_cluster_file_is_the_generated_one() -> None:
    assert CLUSTER_CONF_PATH.read_text(encoding="utf-8") == render_cluster(), (
        "deploy/nats/cluster.conf is stale: run `make nats-conf`"
    )
    text = render_cluster()
    assert "include ./nats.conf" in text  # the users and permissions are the single server's
    routes = re.findall(r"nats-route://([\w-]+):(\d+)", text)
    assert routes == [(node, str(CLUSTER_PORT)) for node in CLUSTER_NODES]
    assert "password" not in text


@pytest.mark.parametrize("node", CLUSTER_NODES)
def test_every_node_runs_the_cluster_file_with_its_own_name_and_store(node: str) -> None:
    spec = MERGED["services"][node]
    command = spec["command"]
    assert command[:2] == ["-c", "/etc/nats/cluster.conf"]
    assert command[command.index("-n") + 1] == node
    assert "-js" in command
    assert command[command.index("-sd") + 1] == "/data"
    mounts = {_target(v): v for v in spec["volumes"]}
    assert mounts["/etc/nats/cluster.conf"] == "./nats/cluster.conf:/etc/nats/cluster.conf:ro"
    assert mounts["/etc/nats/nats.conf"] == "./nats/nats.conf:/etc/nats/nats.conf:ro"
    assert mounts["/data"].split(":")[0] in MERGED["volumes"]
    assert set(spec["environment"]) == {password_variable(user) for user in USERS}
    assert not spec.get("ports"), "NATS (client or route port) is never published on the host"
    assert spec["image"] == PRODUCTION["services"]["nats"]["image"]
    assert "healthcheck" in spec


def test_the_nodes_do_not_share_a_store() -> None:
    stores = [_target_source(spec) for spec in NODES]
    assert len(set(stores)) == len(CLUSTER_NODES)


def _target_source(spec: dict[str, Any]) -> str:
    return next(v.split(":")[0] for v in spec["volumes"] if _target(v) == "/data")


def test_init_creates_the_streams_with_three_replicas() -> None:
    env = environment(MERGED, "init")
    assert BusSetupSettings.load(Env(env)).replicas == len(CLUSTER_NODES)
    nats = NatsSettings.load(Env(env))
    assert nats.servers == [f"nats://{node}:4222" for node in CLUSTER_NODES]
    depends = MERGED["services"]["init"]["depends_on"]
    assert all(depends[node] == {"condition": "service_healthy"} for node in CLUSTER_NODES)


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_every_service_runs_in_replicas_on_every_node(service: str) -> None:
    spec = MERGED["services"][service]
    assert spec["deploy"]["replicas"] >= 2
    assert spec["command"][:3] == ["python", "-m", f"services.{service}"]
    assert callable(importlib.import_module(f"services.{service}.main").create_app)
    for node in CLUSTER_NODES:
        assert spec["depends_on"][node] == {"condition": "service_healthy"}
    values = Recording(environment(MERGED, service))
    settings = SETTINGS[service](Env(values))  # raises SettingsError if anything is wrong
    assert not set(values) - values.read, f"{service} sets variables its settings never read"
    assert settings.nats.servers == [f"nats://{node}:4222" for node in CLUSTER_NODES]
    for port in spec.get("ports", []):
        host, container = str(port).rsplit(":", 1)
        first, last = (int(p) for p in host.split("-"))
        assert last - first + 1 == spec["deploy"]["replicas"], "one host port per replica"
        assert int(container) == settings.http.port


def test_the_second_database_server_is_bootstrapped_and_given_to_the_tenant_services() -> None:
    second = MERGED["services"]["postgres-2"]
    assert second["image"] == PRODUCTION["services"]["postgres"]["image"]
    assert "healthcheck" in second
    assert not second.get("ports")
    init = MERGED["services"]["init"]
    script = " ".join(init["command"])
    assert script.count("python -m shared.bootstrap") == 2
    assert script.index("DATABASE_ADMIN_URL_PG2") < script.rindex("shared.bootstrap")
    assert "@postgres-2:5432/" in init["environment"]["DATABASE_ADMIN_URL_PG2"]
    assert init["depends_on"]["postgres-2"] == {"condition": "service_healthy"}
    for service in ("booking", "provisioner"):  # the services that open tenant transactions
        settings = SETTINGS[service](Env(environment(MERGED, service)))
        [(name, url)] = settings.postgres.servers
        assert name == "pg2"
        assert url.reveal().startswith(f"postgresql://{login_role(service)}:")
        assert "@postgres-2:5432/bookbots" in url.reveal()


def test_the_gateways_use_webhooks_only() -> None:
    for service in ("gateway", "provisioner"):
        raw = MERGED["services"][service]["environment"]["GATEWAY_PUBLIC_URL"]
        assert raw.startswith("${GATEWAY_PUBLIC_URL:?"), service
    assert resolve(MERGED["services"]["gateway"]["environment"]["GATEWAY_PUBLIC_URL"])


def test_env_example_lists_every_variable_the_cluster_file_uses() -> None:
    listed = set(re.findall(r"^(\w+)=", ENV_EXAMPLE, flags=re.MULTILINE))
    used = {m.group(1) for m in _VARIABLE.finditer(CLUSTER_TEXT)}
    assert used <= listed, used - listed
