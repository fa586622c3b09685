"""The official YooKassa SDK with HTTP timeouts, which the SDK itself never sets.

The SDK's resource classes (``Payment``, ``Refund``) build an ``ApiClient`` per call, and the
client opens a ``requests.Session`` in its public ``get_session()`` and calls
``session.request`` with no ``timeout``: a YooKassa that accepts the connection and never
answers pins the calling thread for ever. Here a subclass of that client hands out sessions
whose every request carries ``(connect, read)`` timeouts, and subclasses of the resources use
it. The SDK's own retries of ``202 Accepted`` stay; retries of a connection or read that timed
out are off, so a call gives up after one connect timeout plus one read timeout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3 import Retry
from yookassa import (  # type: ignore[import-untyped, unused-ignore]
    Payment,
    Refund,
)
from yookassa.client import ApiClient  # type: ignore[import-untyped, unused-ignore]


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds to wait for the TCP (and TLS) connection, and between bytes of the answer."""

    connect: float = 5.0
    read: float = 20.0

    @property
    def worst_case(self) -> float:
        """An upper bound of one call, as a last safety net around the worker thread."""
        return 4 * (self.connect + self.read) + 10


class _TimedSession(requests.Session):
    def __init__(self, timeouts: Timeouts) -> None:
        super().__init__()
        self._timeouts = (timeouts.connect, timeouts.read)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        kwargs["timeout"] = self._timeouts
        return super().request(method, url, *args, **kwargs)  # type: ignore[arg-type]


def sdk_resources(timeouts: Timeouts) -> tuple[Any, Any]:
    """``(Payment, Refund)`` of the SDK whose HTTP calls time out as ``timeouts`` say."""

    class TimedApiClient(ApiClient):  # type: ignore[misc]
        def get_session(self) -> requests.Session:
            session = _TimedSession(timeouts)
            retries = Retry(
                total=self.max_attempts,
                connect=0,
                read=0,
                other=0,
                status=self.max_attempts,
                backoff_factor=self.timeout / 1000,
                allowed_methods=["POST"],
                status_forcelist=[202],
                raise_on_status=False,
            )
            session.mount("https://", HTTPAdapter(max_retries=retries))
            return session

    class TimedPayment(Payment):  # type: ignore[misc]
        def __init__(self) -> None:
            self.client = TimedApiClient()

    class TimedRefund(Refund):  # type: ignore[misc]
        def __init__(self) -> None:
            self.client = TimedApiClient()

    return TimedPayment, TimedRefund
