"""Trusting a YooKassa notification, and recording it once.

YooKassa signs nothing, so a notification is believed only if (1) it comes from YooKassa's
documented networks (the real client address, read through configured trusted proxies only)
and (2) the payment (or refund) fetched back by id from the API agrees with what billing
created: status, amount, currency and metadata. (2) and the recording are `PaymentRecorder`'s,
shared with the sales bot's «Проверить оплату», and `RecordRefund`'s for refunds. The caller
answers 200 only after that; any exception means "not recorded", and YooKassa retries.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Sequence

import msgspec

from services.billing.config import Network
from services.billing.use_cases.recording import ForgedNotification, Outcome, PaymentRecorder
from services.billing.use_cases.refunds import RecordRefund

log = logging.getLogger(__name__)


class NotificationSource:
    """Finds the real client address and checks it against YooKassa's networks."""

    def __init__(
        self, *, allowed: tuple[Network, ...], trusted_proxies: tuple[Network, ...]
    ) -> None:
        self._allowed = allowed
        self._proxies = trusted_proxies

    def client_address(self, peer: str, forwarded_for: Sequence[str] = ()) -> str:
        """The peer, or, when the peer is a trusted proxy, the nearest untrusted hop it reports.

        `forwarded_for` is every `X-Forwarded-For` header line in the order received; each may
        be a comma list. They form one list (RFC 7230: repeated headers join with commas),
        read from the right: each trusted proxy vouches only for the hop to its left, so the
        first untrusted address is the client. A client's own forged entries stay to the left
        of what the proxies appended and are never reached."""
        hops = [hop.strip() for line in forwarded_for for hop in line.split(",")]
        address = peer
        if self._trusted(address):
            for hop in reversed(hops):
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


class _Object(msgspec.Struct):
    id: str
    payment_id: str | None = None


class _Notification(msgspec.Struct):
    type: str
    event: str
    object: _Object


_decoder = msgspec.json.Decoder(_Notification)


class RecordNotification:
    """The webhook's use case: the source-address check, then the shared `PaymentRecorder`."""

    def __init__(
        self, *, source: NotificationSource, recorder: PaymentRecorder, refunds: RecordRefund
    ) -> None:
        self._source = source
        self._recorder = recorder
        self._refunds = refunds

    async def __call__(self, *, peer: str, forwarded_for: Sequence[str], body: bytes) -> Outcome:
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
        if note.event == "refund.succeeded":
            return await self._refunds(note.object.id, note.object.payment_id)
        log.info("notification %s needs no action", note.event)
        return "ignored"
