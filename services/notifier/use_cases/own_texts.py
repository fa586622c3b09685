"""The owner's own reminder and review request, as the booking events carry them.

Booking chose the wording (the customer's language, else the business's) and checked it when
the owner saved it; here it is only rendered (`shared.text_templates.render`: plain text, every
part HTML-escaped). {time} names the visit's local day and time, so a custom reminder reads the
same whether it goes out on time or late. A text that does not render gives None and the
shipped wording is used.
"""

from __future__ import annotations

from services.notifier.ports import Visit
from services.notifier.use_cases.texts import Catalog
from shared.text_templates import render


def reminder(texts: Catalog, visit: Visit) -> str | None:
    if not visit.template:
        return None
    values = {
        "name": visit.customer,
        "business": visit.business,
        "service": visit.service,
        "master": visit.master,
        "time": texts.when(visit.starts_at, visit.timezone),
        "address": visit.address,
    }
    return render(visit.template, values)


def review(template: str, *, customer: str, business: str, service: str, master: str) -> str | None:
    if not template:
        return None
    values = {"name": customer, "business": business, "service": service, "master": master}
    return render(template, values)
