"""deploy/nats/nats.conf is generated from shared/subjects.py: the committed file must be what
the generator writes today, and it must never hold a password."""

from __future__ import annotations

import re

import pytest

from shared.nats_permissions import (
    CONF_PATH,
    SERVICES,
    USERS,
    password_variable,
    render,
    service_permissions,
)
from shared.subjects import CONSUMERS, ConsumerSpec

pytestmark = pytest.mark.unit


def test_the_committed_file_is_the_generated_one() -> None:
    assert CONF_PATH.read_text(encoding="utf-8") == render(), (
        "deploy/nats/nats.conf is stale: run `python -m shared.nats_permissions --write`"
    )


def test_every_password_is_an_environment_reference() -> None:
    passwords = re.findall(r"^\s*password:\s*(\S+)\s*$", render(), flags=re.MULTILINE)
    assert passwords == [f"${password_variable(user)}" for user in USERS]


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_gets_the_whole_jetstream_api(service: str) -> None:
    allowed = service_permissions(service).publish_allow
    assert not {">", "$JS.>", "$JS.API.>", "$JS.API.CONSUMER.>"} & set(allowed)
    assert f"dlq.{service}" in allowed


@pytest.mark.parametrize("consumer", CONSUMERS, ids=lambda c: c.durable)
def test_every_durable_is_pulled_by_its_own_service_only(consumer: ConsumerSpec) -> None:
    pull = f"$JS.API.CONSUMER.MSG.NEXT.{consumer.stream.name}.{consumer.durable}"
    owners = [s for s in SERVICES if pull in service_permissions(s).publish_allow]
    assert owners == [consumer.service]
