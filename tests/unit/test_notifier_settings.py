"""The notifier's settings refuse a lease that a send could outlast, and default the retention."""

from __future__ import annotations

import pytest

from services.notifier.config import DispatchSettings, RetentionSettings
from shared.errors import SettingsError
from shared.settings import Env

pytestmark = [pytest.mark.unit]


def test_the_lease_must_outlast_the_send_timeout() -> None:
    with pytest.raises(SettingsError, match="NOTIFIER_LEASE_SECONDS"):
        DispatchSettings.load(
            Env({"NOTIFIER_LEASE_SECONDS": "20", "NOTIFIER_SEND_TIMEOUT_SECONDS": "18"})
        )
    settings = DispatchSettings.load(Env({}))
    assert settings.lease_seconds >= settings.send_timeout_seconds + 5


def test_retention_defaults_to_90_days_and_refuses_zero() -> None:
    assert RetentionSettings.load(Env({})).days == 90
    assert RetentionSettings.load(Env({"NOTIFIER_RETENTION_DAYS": "30"})).days == 30
    with pytest.raises(SettingsError, match="NOTIFIER_RETENTION_DAYS"):
        RetentionSettings.load(Env({"NOTIFIER_RETENTION_DAYS": "0"}))
