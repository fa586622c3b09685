"""The emulator serves several shops at once, as businesses' own YooKassa accounts: each with
its own key (a wrong one is 401, also on the cheap `GET /v3/me`), its own payments (another
shop's are 404) and its own notification URL. Driven through `shared.yookassa_shop`, the
per-call-credentials client billing and booking use for those shops."""

from __future__ import annotations

import pytest

from sandbox.yookassa import YooKassaSandboxClient
from sandbox.yookassa.testing import running_recorder, running_sandbox
from shared.yookassa_shop import ShopApi, ShopCredentials, ShopRejected

pytestmark = pytest.mark.asyncio

PLATFORM = ShopCredentials("100500", "test_platform")
ANNA = ShopCredentials("200001", "test_anna_key")
BORIS = ShopCredentials("200002", "test_boris_key")


async def test_each_shop_has_its_key_its_payments_and_its_notification_url() -> None:
    async with (
        running_recorder() as platform_hook,
        running_recorder() as anna_hook,
        running_sandbox({PLATFORM.shop_id: PLATFORM.secret_key}, platform_hook.webhook_url) as url,
        YooKassaSandboxClient(url) as control,
    ):
        await control.add_shop(ANNA.shop_id, ANNA.secret_key, anna_hook.webhook_url)
        await control.add_shop(BORIS.shop_id, BORIS.secret_key)  # the default URL
        api = ShopApi(f"{url}/v3")
        try:
            assert await api.me(ANNA) == ANNA.shop_id
            with pytest.raises(ShopRejected) as wrong:
                await api.me(ShopCredentials(ANNA.shop_id, BORIS.secret_key))
            assert wrong.value.status == 401

            paid = await api.create_payment(
                ANNA,
                amount_kopecks=50000,
                description="Стрижка #1",
                return_url="https://t.me/anna_bot",
                metadata={"purpose": "prepay", "booking_id": "1"},
                idempotence_key="ppay:anna:1",
            )
            again = await api.create_payment(
                ANNA,
                amount_kopecks=50000,
                description="Стрижка #1",
                return_url="https://t.me/anna_bot",
                metadata={"purpose": "prepay", "booking_id": "1"},
                idempotence_key="ppay:anna:1",
            )
            assert again.id == paid.id
            assert paid.account_id == ANNA.shop_id
            assert paid.confirmation_url is not None
            assert await api.get_payment(BORIS, paid.id) is None

            await control.pay(paid.id)
            (note,) = await anna_hook.wait_for(1)
            assert (note.event, note.payment().id) == ("payment.succeeded", paid.id)
            fetched = await api.get_payment(ANNA, paid.id)
            assert fetched is not None
            assert (fetched.status, fetched.amount_kopecks) == ("succeeded", 50000)

            refund = await api.create_refund(
                ANNA, payment_id=paid.id, amount_kopecks=50000, idempotence_key="ppr:anna:1"
            )
            assert (refund.status, refund.amount_kopecks) == ("succeeded", 50000)
            assert await api.get_refund(BORIS, refund.id) is None
            notes = await anna_hook.wait_for(2)
            assert notes[1].event == "refund.succeeded"
            assert platform_hook.received == []
        finally:
            await api.aclose()
