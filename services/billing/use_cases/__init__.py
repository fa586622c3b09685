"""Billing's logic: the signup conversation's rules, buying and renewing plans, trials,
creating payments, and trusting and recording what YooKassa says about them and their refunds."""

from services.billing.use_cases.check_payment import CheckPayment, CheckResult
from services.billing.use_cases.checkout import Checkout, CheckoutView
from services.billing.use_cases.notifications import NotificationSource, RecordNotification
from services.billing.use_cases.pending import PendingReport, ReconcilePending
from services.billing.use_cases.purchase import Order, Purchase
from services.billing.use_cases.recording import ForgedNotification, PaymentRecorder
from services.billing.use_cases.refunds import RecordRefund
from services.billing.use_cases.signup import COMMON_ZONES, SignupFlow
from services.billing.use_cases.tenant_events import AutoRenew, TrackTenants
from services.billing.use_cases.trial import StartTrial

__all__ = [
    "COMMON_ZONES",
    "AutoRenew",
    "CheckPayment",
    "CheckResult",
    "Checkout",
    "CheckoutView",
    "ForgedNotification",
    "NotificationSource",
    "Order",
    "PaymentRecorder",
    "PendingReport",
    "Purchase",
    "ReconcilePending",
    "RecordNotification",
    "RecordRefund",
    "SignupFlow",
    "StartTrial",
    "TrackTenants",
]
