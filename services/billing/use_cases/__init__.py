"""Billing's logic: creating payments, trusting and recording YooKassa notifications."""

from services.billing.use_cases.checkout import Checkout, CheckoutView
from services.billing.use_cases.notifications import (
    ForgedNotification,
    NotificationSource,
    RecordNotification,
)

__all__ = [
    "Checkout",
    "CheckoutView",
    "ForgedNotification",
    "NotificationSource",
    "RecordNotification",
]
