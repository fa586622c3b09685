"""The notifier's logic: events into deliveries (tenant notes, booking notes), the dispatcher,
late reminders and the delivery log's retention."""

from services.notifier.use_cases.booking_notes import BookingNotes
from services.notifier.use_cases.dispatch import Dispatcher, DispatchPolicy
from services.notifier.use_cases.late import LateReminders
from services.notifier.use_cases.retention import Retention
from services.notifier.use_cases.tenant_notes import TenantNotes
from services.notifier.use_cases.texts import Texts

__all__ = [
    "BookingNotes",
    "DispatchPolicy",
    "Dispatcher",
    "LateReminders",
    "Retention",
    "TenantNotes",
    "Texts",
]
