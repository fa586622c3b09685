"""The notifier's cache of unsealed bot tokens: the same tokens out, bounded, nothing kept for
a value that does not unseal."""

from __future__ import annotations

import pytest

from services.notifier.adapters.telegram_sender import _Unsealed
from shared.crypto import Sealer, SealError
from shared.settings import Secret

pytestmark = pytest.mark.unit

SEALER = Sealer(Secret("unit-test-platform-secret-0123456789abcdef"))


def test_a_sealed_token_opens_to_the_token_and_again_from_the_cache() -> None:
    cache = _Unsealed(SEALER, size=4)
    sealed = SEALER.seal("123:abc")

    assert cache.open(sealed).reveal() == "123:abc"
    assert cache.open(sealed).reveal() == "123:abc"
    assert len(cache) == 1


def test_the_cache_never_holds_more_than_its_size() -> None:
    cache = _Unsealed(SEALER, size=3)
    sealed = [SEALER.seal(f"{n}:token") for n in range(10)]
    for value in sealed:
        cache.open(value)

    assert len(cache) == 3
    assert cache.open(sealed[0]).reveal() == "0:token"  # evicted, opened again


def test_a_value_that_does_not_unseal_is_refused_and_not_kept() -> None:
    cache = _Unsealed(SEALER, size=3)
    other = Sealer(Secret("another-platform-secret-0123456789abcdefgh"))

    with pytest.raises(SealError):
        cache.open(other.seal("1:x"))
    assert len(cache) == 0
