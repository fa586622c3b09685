"""Every NATS subject, stream, durable consumer and KV bucket, declared once.

Subjects are hierarchical and end with the tenant where there is one, so the NATS CLI filters
them: `nats sub 'booking.>'`, `nats sub 'booking.*.salon_anna'`. Each stream owns a disjoint
subject set. Nothing else in the project spells a subject as a literal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.errors import InvalidTenantId

TENANT_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{2,39}$")
RESERVED_TENANT_IDS = frozenset({"platform", "sales", "ops", "public", "billing", "notifier"})


def check_tenant_id(tenant_id: str) -> str:
    """Return the id if it is a valid tenant id (a schema, role and subject token), else raise."""
    if not TENANT_ID_PATTERN.fullmatch(tenant_id) or tenant_id in RESERVED_TENANT_IDS:
        raise InvalidTenantId(tenant_id)
    return tenant_id


# --- Telegram updates: gateway -> booking (tenant bots), billing (sales bot), provisioner (ops)
TG_UPDATE_ANY_TENANT = "tg.update.*"
TG_SALES_UPDATE = "tg.platform.sales"
TG_OPS_UPDATE = "tg.platform.ops"


def tg_update(tenant_id: str) -> str:
    return f"tg.update.{tenant_id}"


# --- Billing: payments, refunds, trials
PAYMENT_SUCCEEDED = "payment.succeeded"
PAYMENT_CANCELED = "payment.canceled"
REFUND_SUCCEEDED = "refund.succeeded"
TRIAL_STARTED = "trial.started"

# --- Tenant lifecycle (provisioner)
TENANT_ANY = "tenant.>"


def tenant_event(kind: str, tenant_id: str) -> str:
    """`tenant.provisioned.<t>`, `tenant.renewed.<t>`, `tenant.expiring.<t>`, ..."""
    return f"tenant.{kind}.{tenant_id}"


# --- Bookings (booking)
BOOKING_ANY = "booking.>"


def booking_event(kind: str, tenant_id: str) -> str:
    """`booking.created.<t>`, `booking.cancelled.<t>`, `booking.rescheduled.<t>`."""
    return f"booking.{kind}.{tenant_id}"


# --- Prepayment through a business's own YooKassa shop: booking asks billing
# (`booking.prepay.<t>`, a hold to pay for or a refund), billing answers with what YooKassa
# confirmed (`payment.prepay.<t>`: the link, paid, expired, refunded). Both carry a tagged union.
def booking_prepay(tenant_id: str) -> str:
    return f"booking.prepay.{tenant_id}"


def payment_prepay(tenant_id: str) -> str:
    return f"payment.prepay.{tenant_id}"


# --- Notifier: delivery outcomes
def delivery_outcome(tenant_id: str) -> str:
    return f"notify.outcome.{tenant_id}"


# --- Optional set-up steps the provisioner retries on its own (a live bot's menu)
SETUP_BOT_ANY = "setup.bot.*"


def setup_bot(tenant_id: str) -> str:
    return f"setup.bot.{tenant_id}"


# --- Dead letters: one subject per consuming service
def dead_letter(service: str) -> str:
    return f"dlq.{service}"


@dataclass(frozen=True, slots=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]
    max_age_seconds: int


STREAMS: tuple[StreamSpec, ...] = (
    StreamSpec("TG", ("tg.>",), max_age_seconds=24 * 3600),
    StreamSpec("BILLING", ("payment.>", "refund.>", "trial.>"), max_age_seconds=30 * 86400),
    StreamSpec("TENANT", ("tenant.>",), max_age_seconds=30 * 86400),
    StreamSpec("BOOKING", ("booking.>",), max_age_seconds=30 * 86400),
    StreamSpec("NOTIFY", ("notify.>",), max_age_seconds=7 * 86400),
    StreamSpec("DLQ", ("dlq.>",), max_age_seconds=30 * 86400),
    StreamSpec("SETUP", ("setup.>",), max_age_seconds=30 * 86400),
)
STREAM_TG, STREAM_BILLING, STREAM_TENANT, STREAM_BOOKING, STREAM_NOTIFY, STREAM_DLQ = STREAMS[:6]
STREAM_SETUP = STREAMS[6]

DUPLICATE_WINDOW_SECONDS = 120

# --- KV buckets: read-only views the owners publish
KV_TENANTS = "tenants"  # provisioner writes TenantConfig by tenant id; everyone reads
KV_CLOCK = "clock"  # sandbox only: a shared offset for the controllable clock


@dataclass(frozen=True, slots=True)
class ConsumerSpec:
    """A durable pull consumer: its name, stream, filter subject and the service that reads it.

    The owning service is what the bus permissions are derived from: a service may read only
    its own durables.
    """

    durable: str
    stream: StreamSpec
    subject: str
    service: str


BOOKING_UPDATES = ConsumerSpec("booking-updates", STREAM_TG, TG_UPDATE_ANY_TENANT, "booking")
BILLING_SALES_UPDATES = ConsumerSpec("billing-sales", STREAM_TG, TG_SALES_UPDATE, "billing")
PROVISIONER_OPS_UPDATES = ConsumerSpec("provisioner-ops", STREAM_TG, TG_OPS_UPDATE, "provisioner")
PROVISIONER_PAYMENTS = ConsumerSpec(
    "provisioner-payments", STREAM_BILLING, PAYMENT_SUCCEEDED, "provisioner"
)
PROVISIONER_TRIALS = ConsumerSpec(
    "provisioner-trials", STREAM_BILLING, TRIAL_STARTED, "provisioner"
)
PROVISIONER_REFUNDS = ConsumerSpec(
    "provisioner-refunds", STREAM_BILLING, REFUND_SUCCEEDED, "provisioner"
)
NOTIFIER_TENANTS = ConsumerSpec("notifier-tenants", STREAM_TENANT, TENANT_ANY, "notifier")
NOTIFIER_BOOKINGS = ConsumerSpec("notifier-bookings", STREAM_BOOKING, BOOKING_ANY, "notifier")
NOTIFIER_PAYMENT_CANCELED = ConsumerSpec(
    "notifier-canceled", STREAM_BILLING, PAYMENT_CANCELED, "notifier"
)
BILLING_TENANTS = ConsumerSpec("billing-tenants", STREAM_TENANT, TENANT_ANY, "billing")
BILLING_PREPAY = ConsumerSpec("billing-prepay", STREAM_BOOKING, "booking.prepay.*", "billing")
BOOKING_PREPAY = ConsumerSpec("booking-prepay", STREAM_BILLING, "payment.prepay.*", "booking")
PROVISIONER_SETUP = ConsumerSpec("provisioner-setup", STREAM_SETUP, SETUP_BOT_ANY, "provisioner")

# Every durable consumer; the bus permissions and the admin set-up read this list.
CONSUMERS: tuple[ConsumerSpec, ...] = (
    BOOKING_UPDATES,
    BILLING_SALES_UPDATES,
    PROVISIONER_OPS_UPDATES,
    PROVISIONER_PAYMENTS,
    PROVISIONER_TRIALS,
    PROVISIONER_REFUNDS,
    NOTIFIER_TENANTS,
    NOTIFIER_BOOKINGS,
    NOTIFIER_PAYMENT_CANCELED,
    BILLING_TENANTS,
    PROVISIONER_SETUP,
    BILLING_PREPAY,
    BOOKING_PREPAY,
)

# --- The business's own time zone, followed by the registry (booking announces, provisioner
# records it and rewrites the tenant's directory entry)
BOOKING_REZONED = "booking.rezoned.*"
PROVISIONER_REZONED = ConsumerSpec(
    "provisioner-rezoned", STREAM_BOOKING, BOOKING_REZONED, "provisioner"
)
CONSUMERS = (*CONSUMERS, PROVISIONER_REZONED)
# --- Marketing: kinds of `booking_event(kind, tenant)` that booking emits and notifier reads
BROADCAST_REQUESTED = "broadcast"
BROADCAST_STOPPED = "bcaststop"
WINBACK_RULE_SET = "winback"
BULK_OPTOUT_CHANGED = "optout"

# --- Marketing: booking learns the notifier's delivery outcomes (`notify.outcome.<t>`): a chat
# that blocked the bot, a broadcast that ended (its report) or was refused
BOOKING_OUTCOMES = ConsumerSpec("booking-outcomes", STREAM_NOTIFY, "notify.outcome.*", "booking")
CONSUMERS = (*CONSUMERS, BOOKING_OUTCOMES)
CUSTOMER_CHAT_BACK = "chatback"  # `booking_event` kind: a chat that blocked the bot is back
