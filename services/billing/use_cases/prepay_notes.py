"""Notifications from a business's own shop (`POST /webhooks/yookassa/t/{tenant}`).

Believed exactly like the platform's: the source address must be YooKassa's (the same
`NotificationSource`), and the object fetched back by id *with that tenant's shop
credentials* must agree with what billing created for that tenant (status, amount,
currency, metadata). Then the ledger row and its event are written once, in one
transaction; a repeat records nothing. Anything that does not agree raises
`ForgedNotification` and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import msgspec

from services.billing.use_cases.notifications import NotificationSource
from services.billing.use_cases.prepay import (
    Prepayments,
    ShopRefunds,
    Unsealer,
    credentials,
    metadata_of,
    paid_event,
)
from services.billing.use_cases.recording import ForgedNotification, Outcome
from shared.yookassa_shop import ShopApi

log = logging.getLogger(__name__)


class _Object(msgspec.Struct):
    id: str
    payment_id: str | None = None


class _Notification(msgspec.Struct):
    type: str
    event: str
    object: _Object


_decoder = msgspec.json.Decoder(_Notification)
_SETTLED = {"payment.succeeded": "succeeded", "payment.canceled": "canceled"}


class RecordShopNotification:
    def __init__(
        self,
        *,
        source: NotificationSource,
        api: ShopApi,
        store: Prepayments,
        sealer: Unsealer,
        refunds: ShopRefunds,
    ) -> None:
        self._source = source
        self._api = api
        self._store = store
        self._sealer = sealer
        self._refunds = refunds

    async def __call__(
        self, *, tenant_id: str, peer: str, forwarded_for: Sequence[str], body: bytes
    ) -> Outcome:
        address = self._source.client_address(peer, forwarded_for)
        if not self._source.allowed(address):
            raise ForgedNotification(f"source {address} is not YooKassa")
        try:
            note = _decoder.decode(body)
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            log.warning("unparseable shop notification from an allowed source: %s", error)
            return "ignored"
        if note.event in _SETTLED:
            return await self._payment(tenant_id, note.object.id, _SETTLED[note.event])
        if note.event == "refund.succeeded":
            return await self._refund(tenant_id, note.object.id, note.object.payment_id)
        return "ignored"

    async def _payment(self, tenant_id: str, payment_id: str, status: str) -> Outcome:
        local = await self._store.get(payment_id)
        if local is None or local.tenant_id != tenant_id:
            raise ForgedNotification("billing never created this payment here", payment_id)
        remote = await self._api.get_payment(credentials(local, self._sealer), payment_id)
        if remote is None:
            raise ForgedNotification("the shop does not know this payment", payment_id)
        if remote.status != status:
            raise ForgedNotification(f"payment is {remote.status}, not {status}", payment_id)
        if remote.amount_kopecks != local.amount_kopecks or remote.currency != local.currency:
            raise ForgedNotification("amount or currency differ", payment_id)
        expected = metadata_of(local.tenant_id, local.booking_id)
        if any(remote.metadata.get(k) != v for k, v in expected.items()):
            raise ForgedNotification("metadata differ", payment_id)
        outbox = paid_event(local) if status == "succeeded" else None
        fresh = await self._store.record_payment(local, status=status, outbox=outbox)
        return "recorded" if fresh else "duplicate"

    async def _refund(self, tenant_id: str, refund_id: str, claimed: str | None) -> Outcome:
        local = await self._store.get(claimed or "")
        if local is None or local.tenant_id != tenant_id:
            raise ForgedNotification("billing never created this payment here", claimed or "")
        remote = await self._api.get_refund(credentials(local, self._sealer), refund_id)
        if remote is None:
            raise ForgedNotification("the shop does not know this refund", local.payment_id)
        verdict = await self._refunds.record(local, remote)
        return "recorded" if verdict == "recorded" else "duplicate"
