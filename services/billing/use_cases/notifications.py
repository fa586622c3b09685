"""Trusting a YooKassa notification, and recording it once.

YooKassa signs nothing, so a notification is believed only if (1) it comes from YooKassa's
documented networks (the real client address, read through configured trusted proxies only)
and (2) the payment fetched back by id from the API agrees with what billing created: status,
amount, currency and metadata. (2) and the recording are `PaymentRecorder`'s, shared with the
sales bot's «Проверить оплату». The caller answers 200 only after that; any exception means
"not recorded", and YooKassa retries.
"""

from __future__ import annotations

import ipaddress
import logging

import msgspec

from services.billing.config import Network
from services.billing.use_cases.recording import ForgedNotification, Outcome, PaymentRecorder

log = logging.getLogger(__name__)


class NotificationSource:
    """Finds the real client address and checks it against YooKassa's networks."""

    def __init__(
        self, *, allowed: tuple[Network, ...], trusted_proxies: tuple[Network, ...]
    ) -> None:
        self._allowed = allowed
        self._proxies = trusted_proxies

    def client_address(self, peer: str, forwarded_for: str | None) -> str:
        """The peer, or, when the peer is a trusted proxy, the nearest untrusted hop it reports."""
        address = peer
        if forwarded_for and self._trusted(address):
            for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
                address = hop
                if not self._trusted(hop):
                    break
        return address

    def allowed(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self._allowed)

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self._proxies)


class _Amount(msgspec.Struct):
    value: str
    currency: str


class _Object(msgspec.Struct):
    id: str
    payment_id: str | None = None
    status: str | None = None
    amount: _Amount | None = None


def _kopecks(amount: _Amount | None) -> int | None:
    if amount is None:
        return None
    rubles, _, cents = amount.value.partition(".")
    try:
        return int(rubles) * 100 + int((cents + "00")[:2])
    except ValueError:
        return None


class _Notification(msgspec.Struct):
    type: str
    event: str
    object: _Object


_decoder = msgspec.json.Decoder(_Notification)


class RecordNotification:
    """The webhook's use case: the source-address check, then the shared `PaymentRecorder`."""

    def __init__(self, *, source: NotificationSource, recorder: PaymentRecorder) -> None:
        self._source = source
        self._recorder = recorder

    async def __call__(self, *, peer: str, forwarded_for: str | None, body: bytes) -> Outcome:
        address = self._source.client_address(peer, forwarded_for)
        if not self._source.allowed(address):
            raise ForgedNotification(f"source {address} is not YooKassa")
        try:
            note = _decoder.decode(body)
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            log.warning("unparseable notification from an allowed source: %s", error)
            return "ignored"
        if note.event == "payment.succeeded":
            return await self._recorder.payment(note.object.id, "succeeded")
        if note.event == "payment.canceled":
            return await self._recorder.payment(note.object.id, "canceled")
        if note.event == "refund.succeeded" and note.object.payment_id:
            return await self._recorder.refund(
                note.object.id, note.object.payment_id, _kopecks(note.object.amount)
            )
        log.info("notification %s needs no action", note.event)
        return "ignored"
