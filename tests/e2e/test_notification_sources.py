"""Who a YooKassa notification comes from, on a real billing process behind a "proxy".

A billing of its own is started here with `TRUSTED_PROXIES=127.0.0.2/32` (the proxy) and
YooKassa's network `185.71.76.0/27` as the only allowed source. The test connects either as the
proxy (source address 127.0.0.2) or as someone else on the host (127.0.0.1), and sends an
event billing accepts without acting on it (`payment.waiting_for_capture`): 200 means "believed
to be YooKassa", 403 means refused. Every `X-Forwarded-For` line counts, read from the right;
uvicorn's own proxy handling (which trusts 127.0.0.1 whatever billing is told) is off."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devstack.infra import free_port
from devstack.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

PROXY = "127.0.0.2"
OUTSIDER = "127.0.0.1"
YOOKASSA = "185.71.76.5"
SPOOFER = "203.0.113.7"
NOTE = {
    "type": "notification",
    "event": "payment.waiting_for_capture",
    "object": {"id": "2f3b588d-000f-5000-8000-1d6e87c7fbde", "status": "waiting_for_capture"},
}


@pytest.fixture(scope="module")
def billing_behind_proxy(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    env = stack.service_env("billing") | {
        "HTTP_PORT": str(port),
        "TRUSTED_PROXIES": f"{PROXY}/32",
        "YOOKASSA_ALLOWED_NETWORKS": "185.71.76.0/27",
        "SALES_BOT_TOKEN": "",  # no sales-bot consumer: the stack's billing serves the bot
    }
    log = (tmp_path_factory.mktemp("billing-proxy") / "billing.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "services.billing"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parents[2],
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + stack.config.ready_timeout  # as for the stack's billing
        while True:
            assert process.poll() is None, f"billing exited with {process.returncode}"
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "billing did not get ready"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


async def post_from(url: str, source: str, *forwarded_for: str) -> int:
    """POST the notification from `source`, with one `X-Forwarded-For` line per argument."""
    headers = [("X-Forwarded-For", line) for line in forwarded_for]
    transport = httpx.AsyncHTTPTransport(local_address=source)
    async with httpx.AsyncClient(transport=transport, timeout=10) as client:
        response = await client.post(f"{url}/webhooks/yookassa", json=NOTE, headers=headers)
    return response.status_code


async def test_yookassa_behind_the_trusted_proxy_is_believed(billing_behind_proxy: str) -> None:
    assert await post_from(billing_behind_proxy, PROXY, YOOKASSA) == 200
    # Junk the client put in front of what the proxy appended does not matter.
    assert await post_from(billing_behind_proxy, PROXY, SPOOFER, YOOKASSA) == 200
    # A chain of trusted proxies in one comma list.
    assert await post_from(billing_behind_proxy, PROXY, f"{YOOKASSA}, {PROXY}") == 200


async def test_a_second_forwarded_line_cannot_spoof_the_allowlist(
    billing_behind_proxy: str,
) -> None:
    # The client sent `X-Forwarded-For: 185.71.76.5`; the proxy added its own line with the
    # real client. Reading only the first line would believe the forgery.
    assert await post_from(billing_behind_proxy, PROXY, YOOKASSA, SPOOFER) == 403
    assert await post_from(billing_behind_proxy, PROXY, f"{YOOKASSA}, {SPOOFER}", PROXY) == 403
    assert await post_from(billing_behind_proxy, PROXY) == 403  # the proxy itself is not YooKassa


async def test_only_the_configured_proxies_are_believed(billing_behind_proxy: str) -> None:
    # 127.0.0.1 is not in TRUSTED_PROXIES; uvicorn's proxy handling would trust it by default
    # and hand billing the forged address as the peer.
    assert await post_from(billing_behind_proxy, OUTSIDER, YOOKASSA) == 403
    assert await post_from(billing_behind_proxy, OUTSIDER, YOOKASSA, YOOKASSA) == 403
