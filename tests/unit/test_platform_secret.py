"""The platform key: what is accepted, per-purpose keys, and rotation without losing a seal."""

from __future__ import annotations

import base64
import hashlib
import secrets

import pytest
from cryptography.fernet import Fernet

from shared.crypto import Sealer, SealError
from shared.errors import SettingsError
from shared.settings import Env, PlatformSecrets, Secret

HOW = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'


def load(**values: str) -> PlatformSecrets:
    return PlatformSecrets.load(Env(values))


@pytest.mark.parametrize(
    "made",
    [
        secrets.token_urlsafe(32),
        secrets.token_urlsafe(48),
        secrets.token_hex(32),
        secrets.token_hex(32).upper(),
        base64.b64encode(secrets.token_bytes(32)).decode(),  # `openssl rand -base64 32`
    ],
    ids=["urlsafe32", "urlsafe48", "hex", "HEX", "base64"],  # keys are random: ids are not
)
def test_random_keys_in_every_usual_encoding_are_accepted(made: str) -> None:
    assert load(PLATFORM_SECRET=made).key.reveal() == made


@pytest.mark.parametrize(
    "weak",
    [
        "gateway-test-platform-secret-0123456789",  # typed, and 29 bytes
        "x" * 64,  # 48 bytes, one value
        "correct-horse-battery-staple-correct-horse-battery-staple",  # words, no capitals
        "AbCd" * 16,  # a repeated pattern
        "0" * 64,  # hex of zeros
        secrets.token_urlsafe(16),  # random but only 16 bytes
        secrets.token_hex(16),
        "пароль-пароль-пароль-пароль-пароль-пароль",  # not an encoding at all
    ],
    ids=["typed", "one-value", "words", "pattern", "zeros", "urlsafe16", "hex16", "cyrillic"],
)
def test_short_or_low_entropy_keys_are_refused_with_how_to_make_one(weak: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load(PLATFORM_SECRET=weak)
    line = str(refused.value)
    assert "\n" not in line
    assert "PLATFORM_SECRET" in line
    assert HOW in line
    assert weak not in line  # the value itself is never echoed


def test_a_missing_key_is_refused() -> None:
    with pytest.raises(SettingsError, match="PLATFORM_SECRET is required"):
        load()


def test_previous_keys_are_read_comma_separated_and_may_be_old_passphrases() -> None:
    current = secrets.token_urlsafe(48)
    loaded = load(
        PLATFORM_SECRET=current,
        PLATFORM_SECRET_PREVIOUS=f" old-passphrase-of-2025-xxxxxxxxxxxx , {current}",
    )
    assert [s.reveal() for s in loaded.previous] == ["old-passphrase-of-2025-xxxxxxxxxxxx"]


def test_keys_are_derived_per_purpose_not_used_raw() -> None:
    key = secrets.token_urlsafe(48)
    sealer = Sealer(Secret(key))
    sealed = sealer.seal("123:token")
    raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))[:32]
    sha = hashlib.sha256(b"seal:" + key.encode()).digest()
    for naive in (raw, sha):
        with pytest.raises(Exception):  # noqa: B017, PT011 - any failure: the key is not this
            Fernet(base64.urlsafe_b64encode(naive)).decrypt(sealed.encode())
    # the webhook secret is not a function of the sealing key alone
    assert sealer.webhook_secret("t1") != sealer.webhook_secret("t2")
    assert sealer.webhook_secret("t1") == Sealer(Secret(key)).webhook_secret("t1")


def test_rotation_opens_old_seals_and_reseals_with_the_new_key() -> None:
    old, new = secrets.token_urlsafe(48), secrets.token_hex(32)
    sealed_before = Sealer(Secret(old)).seal("123:token")
    rotating = Sealer(Secret(new), [Secret(old)])
    assert rotating.unseal(sealed_before).reveal() == "123:token"
    resealed = rotating.reseal(sealed_before)
    assert resealed is not None
    assert rotating.reseal(resealed) is None  # already current
    assert Sealer(Secret(new)).unseal(resealed).reveal() == "123:token"
    with pytest.raises(SealError):
        Sealer(Secret(new)).unseal(sealed_before)  # once the old key is dropped


def test_seals_from_before_hkdf_still_open_and_get_resealed() -> None:
    """Values sealed by the old single SHA-256 derivation (upgrades keep working)."""
    key = secrets.token_urlsafe(48)
    legacy = Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"seal:" + key.encode()).digest()))
    sealed_long_ago = legacy.encrypt(b"123:token").decode()
    sealer = Sealer(Secret(key))
    assert sealer.unseal(sealed_long_ago).reveal() == "123:token"
    assert sealer.reseal(sealed_long_ago) is not None


def test_webhook_secrets_of_current_and_previous_keys_pass_others_do_not() -> None:
    old, new = secrets.token_urlsafe(48), secrets.token_urlsafe(48)
    rotating = Sealer(Secret(new), [Secret(old)])
    assert rotating.check_webhook_secret("t1", Sealer(Secret(old)).webhook_secret("t1"))
    assert rotating.check_webhook_secret("t1", rotating.webhook_secret("t1"))
    assert not rotating.check_webhook_secret("t2", rotating.webhook_secret("t1"))
    stranger = Sealer(Secret(secrets.token_urlsafe(48)))
    assert not rotating.check_webhook_secret("t1", stranger.webhook_secret("t1"))
    for garbage in (None, "", "секрет", "\xff\xfe", "a" * 1000):
        assert not rotating.check_webhook_secret("t1", garbage)
