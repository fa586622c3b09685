"""The ports the dev stack hands its services: free, and out of the kernel's ephemeral range,
where an outgoing connection could take one before the service listens on it."""

from __future__ import annotations

import socket

import pytest

from devstack.infra import LISTEN_PORTS, ephemeral_floor, free_port

pytestmark = pytest.mark.unit


def test_a_free_port_is_below_the_ephemeral_range_and_can_be_listened_on() -> None:
    ports = {free_port() for _ in range(20)}
    for port in ports:
        assert LISTEN_PORTS[0] <= port < min(LISTEN_PORTS[1], ephemeral_floor())
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
            sock.listen()
    assert len(ports) > 1  # chosen at random, not one port for everyone


def test_a_port_someone_listens_on_is_not_handed_out() -> None:
    taken = []
    try:
        for _ in range(200):  # take many, then ask: none of them comes back
            sock = socket.socket()
            sock.bind(("127.0.0.1", free_port()))
            sock.listen()
            taken.append(sock)
        held = {s.getsockname()[1] for s in taken}
        assert not {free_port() for _ in range(50)} & held
    finally:
        for sock in taken:
            sock.close()
