"""Who may do what on the bus: NATS users and permissions derived from shared/subjects.py.

The contract (deploy/nats/nats.conf is generated from this module and committed; a test checks
the two agree, so after adding a stream, consumer or bucket run
`python -m shared.nats_permissions --write`):

- one user per service; a service publishes only the subjects of the stream it owns
  (`STREAM_OWNERS`) and its own dead letters `dlq.<service>`; it reads only its own durables
  (`ConsumerSpec.service`): consumer info, create/update of that durable (nats-py creates with
  `$JS.API.CONSUMER.CREATE.<STREAM>.<durable>.<filter>`; the bare and the legacy
  `DURABLE.CREATE` forms are granted too), `MSG.NEXT`, acks, the `MAX_DELIVERIES` advisory and
  `STREAM.INFO` of the stream;
- every service reads every KV bucket (info, direct and message get, an ephemeral ordered
  consumer for watches, its flow control); only the bucket's writers (`KV_WRITERS`) put;
- replies come to a private inbox `_INBOX_<user>` (`inbox_prefix`), so no service can read
  another's pulled messages or API answers; services are never granted `$JS.>` or `$JS.API.>`;
- `admin` does everything (streams, buckets, consumers: `python -m shared.bus_setup`, tests);
- `inspector` (the NATS CLI) subscribes to every business subject and reads stream, consumer
  and KV state and single stored messages, but publishes no business subject, deletes, purges
  or acks nothing, and creates no consumer (a push consumer delivers to whatever subject it
  names: with one, stored messages could be republished as `payment.succeeded`).

Passwords are never here: the file refers to `$NATS_<USER>_PASSWORD`, which nats-server reads
from its environment.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from shared.subjects import (
    CONSUMERS,
    KV_CLOCK,
    KV_TENANTS,
    STREAM_DLQ,
    STREAM_TG,
    STREAMS,
    dead_letter,
)

SERVICES = ("gateway", "booking", "billing", "provisioner", "notifier")
ADMIN = "admin"
INSPECTOR = "inspector"
USERS = (*SERVICES, ADMIN, INSPECTOR)

# The service that publishes each stream's subjects (DLQ: every service its own subject).
STREAM_OWNERS = {
    "TG": "gateway",
    "BILLING": "billing",
    "TENANT": "provisioner",
    "BOOKING": "booking",
    "NOTIFY": "notifier",
    "SETUP": "provisioner",
}
KV_BUCKETS = (KV_TENANTS, KV_CLOCK)  # clock: sandbox only, written by admin (tests, devstack)
KV_WRITERS = {KV_TENANTS: ("provisioner",)}
# JetStream API calls beyond consuming, per service.
EXTRA_PUBLISH = {
    # billing erases a handled sales-bot update that carries a pasted bot token
    "billing": (f"$JS.API.STREAM.MSG.DELETE.{STREAM_TG.name}",),
    # booking erases the owner's update that carries a shop's YooKassa secret key
    "booking": (f"$JS.API.STREAM.MSG.DELETE.{STREAM_TG.name}",),
}
# Never for a service or the inspector, whatever the allow list says (deny beats allow).
DESTRUCTIVE = (
    "$JS.API.STREAM.CREATE.>",
    "$JS.API.STREAM.UPDATE.>",
    "$JS.API.STREAM.DELETE.>",
    "$JS.API.STREAM.PURGE.>",
    "$JS.API.CONSUMER.DELETE.>",
    "$JS.API.ACCOUNT.>",
    "$JS.API.SERVER.>",
    "$JS.API.META.>",
)
CONF_PATH = Path(__file__).resolve().parent.parent / "deploy" / "nats" / "nats.conf"


def password_variable(user: str) -> str:
    """The environment variable nats-server reads the user's password from."""
    return f"NATS_{user.upper()}_PASSWORD"


def inbox_prefix(user: str) -> str:
    """The reply inbox of a user: `_INBOX_booking`; `_INBOX` without authentication."""
    return f"_INBOX_{user}" if user else "_INBOX"


@dataclass(frozen=True, slots=True)
class Permissions:
    user: str
    publish_allow: tuple[str, ...]
    subscribe_allow: tuple[str, ...]
    publish_deny: tuple[str, ...] = ()
    subscribe_deny: tuple[str, ...] = ()


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _kv_reads(bucket: str) -> list[str]:
    stream = f"KV_{bucket}"
    return [
        f"$JS.API.STREAM.INFO.{stream}",
        f"$JS.API.DIRECT.GET.{stream}.>",
        f"$JS.API.STREAM.MSG.GET.{stream}",
        f"$JS.API.CONSUMER.CREATE.{stream}",  # a watch: an ephemeral ordered consumer
        f"$JS.API.CONSUMER.INFO.{stream}.*",  # which it checks when heartbeats stop
        f"$JS.FC.{stream}.>",  # its flow control answers
    ]


def _durable_creates(stream: str, durable: str) -> list[str]:
    return [
        f"$JS.API.CONSUMER.CREATE.{stream}.{durable}",
        f"$JS.API.CONSUMER.CREATE.{stream}.{durable}.>",
        f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.{durable}",
    ]


def service_permissions(service: str) -> Permissions:
    publish: list[str] = []
    subscribe = [f"{inbox_prefix(service)}.>"]
    for spec in STREAMS:
        if STREAM_OWNERS.get(spec.name) == service:
            publish.extend(spec.subjects)
    publish.append(dead_letter(service))
    publish.append(f"$JS.API.STREAM.INFO.{STREAM_DLQ.name}")  # its dead-letter count (/metrics)
    for consumer in CONSUMERS:
        if consumer.service != service:
            continue
        stream, durable = consumer.stream.name, consumer.durable
        publish += [
            f"$JS.API.STREAM.INFO.{stream}",
            f"$JS.API.CONSUMER.INFO.{stream}.{durable}",
            *_durable_creates(stream, durable),
            f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}",
            f"$JS.ACK.{stream}.{durable}.>",
        ]
        subscribe.append(f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{stream}.{durable}")
    for bucket in KV_BUCKETS:
        publish += _kv_reads(bucket)
        if service in KV_WRITERS.get(bucket, ()):
            publish.append(f"$KV.{bucket}.>")
    publish.extend(EXTRA_PUBLISH.get(service, ()))
    return Permissions(
        user=service,
        publish_allow=_unique(publish),
        subscribe_allow=_unique(subscribe),
        publish_deny=DESTRUCTIVE,
    )


def admin_permissions() -> Permissions:
    return Permissions(user=ADMIN, publish_allow=(">",), subscribe_allow=(">",))


def inspector_permissions() -> Permissions:
    business = [subject for spec in STREAMS for subject in spec.subjects]
    reads = [
        "$JS.API.INFO",
        "$JS.API.STREAM.NAMES",
        "$JS.API.STREAM.LIST",
        "$JS.API.STREAM.INFO.*",
        "$JS.API.STREAM.MSG.GET.*",
        "$JS.API.DIRECT.GET.>",
        "$JS.API.CONSUMER.NAMES.*",
        "$JS.API.CONSUMER.LIST.*",
        "$JS.API.CONSUMER.INFO.*.*",
    ]
    return Permissions(
        user=INSPECTOR,
        publish_allow=_unique(reads),
        subscribe_allow=_unique([*business, "_INBOX.>", "$KV.>", "$JS.EVENT.>"]),
        publish_deny=_unique(
            [
                *business,
                "$KV.>",
                *DESTRUCTIVE,
                "$JS.API.STREAM.MSG.DELETE.>",
                # no consumers at all: a push consumer delivers to any subject it names, so
                # creating one would republish stored messages as, say, `payment.succeeded`
                "$JS.API.CONSUMER.CREATE.>",
                "$JS.API.CONSUMER.DURABLE.CREATE.>",
                "$JS.API.CONSUMER.MSG.NEXT.>",
                "$JS.ACK.>",
            ]
        ),
    )


def all_permissions() -> tuple[Permissions, ...]:
    return (
        *(service_permissions(s) for s in SERVICES),
        admin_permissions(),
        inspector_permissions(),
    )


def _block(name: str, allow: tuple[str, ...], deny: tuple[str, ...]) -> list[str]:
    lines = [f"        {name}: {{"]
    lines.append("          allow: [" + ", ".join(f'"{s}"' for s in allow) + "]")
    if deny:
        lines.append("          deny: [" + ", ".join(f'"{s}"' for s in deny) + "]")
    lines.append("        }")
    return lines


HEADER = """\
# NATS server configuration of BookBots: users and permissions.
# GENERATED by `python -m shared.nats_permissions --write` from shared/subjects.py; do not edit
# by hand (tests/contract/test_nats_conf.py fails when this file and the code disagree).
# Passwords are environment variables of the nats-server process ($NATS_<USER>_PASSWORD);
# the server refuses to start when one is missing. Use long random values of letters and
# digits: `openssl rand -hex 24`.
#
# Ports, JetStream's store and monitoring come from the command line (deploy/compose.yml,
# devstack/infra.py), so one file serves compose, `make run` and the tests.
#
# TLS is one setting away: mount a certificate and key and uncomment this block (clients then
# use tls://nats:4222 in NATS_URL).
# tls {
#   cert_file: "/etc/nats/tls/server.crt"
#   key_file: "/etc/nats/tls/server.key"
# }

jetstream: enabled
"""


def render() -> str:
    lines = [HEADER, "authorization {", "  users: ["]
    for perms in all_permissions():
        lines.append("    {")
        lines.append(f"      user: {perms.user}")
        lines.append(f"      password: ${password_variable(perms.user)}")
        lines.append("      permissions: {")
        lines += _block("publish", perms.publish_allow, perms.publish_deny)
        lines += _block("subscribe", perms.subscribe_allow, perms.subscribe_deny)
        lines.append("      }")
        lines.append("    }")
    lines += ["  ]", "}", ""]
    return "\n".join(lines)


CLUSTER_CONF_PATH = CONF_PATH.parent / "cluster.conf"
CLUSTER_NAME = "bookbots"
CLUSTER_NODES = ("nats", "nats-2", "nats-3")  # compose service names (deploy/compose.cluster.yml)
CLUSTER_PORT = 6222

CLUSTER_HEADER = """\
# NATS cluster configuration of BookBots: three JetStream servers that replicate the streams
# (deploy/compose.cluster.yml). GENERATED by `python -m shared.nats_permissions --write`; do not
# edit by hand (tests/contract/test_nats_cluster.py checks it).
# Users and permissions are the single server's (nats.conf, included). Each node gets its own
# `--name` on the command line. The route port is on the compose network only, never published.
"""


def render_cluster(routes: tuple[str, ...] | None = None, *, listen: str = "") -> str:
    """The cluster file: nats.conf's users plus a `cluster` block routing to every node
    (a node's route to itself is ignored by nats-server, so one file serves all three)."""
    if routes is None:
        routes = tuple(f"nats-route://{node}:{CLUSTER_PORT}" for node in CLUSTER_NODES)
    lines = [
        CLUSTER_HEADER,
        "include ./nats.conf",
        "",
        "cluster {",
        f"  name: {CLUSTER_NAME}",
        f"  listen: {listen or f'0.0.0.0:{CLUSTER_PORT}'}",
        "  routes: [",
        *(f"    {route}" for route in routes),
        "  ]",
        "}",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {CONF_PATH}")
    args = parser.parse_args(argv)
    text = render()
    if args.write:
        CONF_PATH.parent.mkdir(parents=True, exist_ok=True)
        CONF_PATH.write_text(text, encoding="utf-8")
        CLUSTER_CONF_PATH.write_text(render_cluster(), encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
