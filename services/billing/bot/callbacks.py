"""Callback data of the sales bot's own buttons (at most 64 bytes, untrusted: re-checked).

| prefix  | fields               | button                                       |
|---------|----------------------|----------------------------------------------|
| `s`     | action               | main menu: home, how, plans, signup, renew, trial |
| `tz`    | code                 | a time zone of the signup (`other` to type one) |
| `own`   | who (me/other)       | who will own the bot                          |
| `sp`    | code                 | a plan for the signup, or `trial`             |
| `rp`    | tenant_id, code      | a plan for renewing a tenant                  |
| `card`  | save (1/0)           | save the card for auto-renewal                |
| `pay`   | payment_id           | «Проверить оплату»                            |
| `repay` | payment_id           | pay again after a canceled payment            |
| `renew` | tenant_id            | shared `RenewTenant` (also under notifier's expiry warnings) |
"""

from __future__ import annotations

from typing import Literal

from aiogram.filters.callback_data import CallbackData

from shared.callbacks import RenewTenant

TRIAL_CODE = "trial"
OTHER_ZONE = "other"


class Menu(CallbackData, prefix="s"):
    action: Literal["home", "how", "plans", "signup", "renew", "trial"]


class ZonePick(CallbackData, prefix="tz"):
    code: str


class OwnerPick(CallbackData, prefix="own"):
    who: Literal["me", "other"]


class PlanPick(CallbackData, prefix="sp"):
    code: str


class RenewPlan(CallbackData, prefix="rp"):
    tenant_id: str
    code: str


class SaveCard(CallbackData, prefix="card"):
    save: bool


class CheckPay(CallbackData, prefix="pay"):
    payment_id: str


class RetryPay(CallbackData, prefix="repay"):
    payment_id: str


__all__ = [
    "OTHER_ZONE",
    "TRIAL_CODE",
    "CheckPay",
    "Menu",
    "OwnerPick",
    "PlanPick",
    "RenewPlan",
    "RenewTenant",
    "RetryPay",
    "SaveCard",
    "ZonePick",
]
