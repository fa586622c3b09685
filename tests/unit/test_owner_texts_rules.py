"""The owner's own texts: what a text may contain, how it renders (plain text, escaped), and how
notifier words the reminder and review request the booking events carry (hand-written fakes)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from test_notifier_events import FakeStore, FixedClock  # pytest's rootdir import

from services.booking.use_cases.custom_texts import ALLOWED, LIMITS, language
from services.notifier.ports import Visit
from services.notifier.use_cases import BookingNotes, LateReminders, Texts
from services.notifier.use_cases.texts import LOCALES
from shared.messages import BookingCreated, BusinessRezoned
from shared.text_templates import Problem, problem, render

pytestmark = [pytest.mark.unit]

SAMPLE = {"name": "Анна", "business": "Салон", "address": "ул. Ленина, 1"}
STARTS = datetime(2025, 3, 12, 10, 0, tzinfo=UTC)  # 13:00 in Moscow
NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


def check(kind: str, body: str) -> Problem | None:
    return problem(body, ALLOWED[kind], SAMPLE, limit=LIMITS[kind])  # type: ignore[index]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Привет, {name}!", None),
        ("Скобки {{так}} можно", None),
        ("   ", Problem("empty")),
        ("Привет, {name", Problem("brace")),
        ("Привет, name}", Problem("brace")),
        ("Привет, {nmae}", Problem("unknown", field="{nmae}")),
        ("Привет, {}", Problem("unknown", field="{}")),
        ("Привет, {0}", Problem("unknown", field="{0}")),
        ("Привет, {name.upper}", Problem("unknown", field="{name.upper}")),
        ("Привет, {name!r}", Problem("unknown", field="{name!r}")),
        ("Привет, {name:>20}", Problem("unknown", field="{name:>20}")),
        ("Ваша услуга: {service}", Problem("not_here", field="{service}")),
        ("я" * 4096, None),
        ("я" * 4093 + "{name}", Problem("too_long", length=4097)),  # with «Анна»
    ],
)
def test_what_a_greeting_may_contain(body: str, expected: Problem | None) -> None:
    assert check("greeting", body) == expected


def test_each_text_has_its_own_placeholders_and_about_leaves_room_for_prices() -> None:
    assert check("reminder", "{name}, {service} у {master}: {time}, {address}") is None
    assert check("review", "{time}") == Problem("not_here", field="{time}")
    assert check("about", "{name}") == Problem("not_here", field="{name}")
    assert check("about", "я" * 3001) == Problem("too_long", length=3001)


def test_a_text_renders_as_escaped_plain_text() -> None:
    rendered = render("<b>{name}</b> & {business} {{ok}}", {"name": "<Аня>", "business": "A&B"})
    assert rendered == "&lt;b&gt;&lt;Аня&gt;&lt;/b&gt; &amp; A&amp;B {ok}"
    assert render("{name", {"name": "x"}) is None
    assert render("{nope}", {}) is None


def test_the_texts_language_is_the_customers_if_the_bot_speaks_it() -> None:
    assert language("en", "ru") == "en"
    assert language("de", "en") == "en"
    assert language("", "ru") == "ru"
    assert language("de", "fr") == "ru"


def own_visit(**overrides: object) -> Visit:
    visit = Visit(
        starts_at=STARTS,
        offset_min=120,
        locale="ru",
        timezone="Europe/Moscow",
        service="Стрижка",
        master="Анна",
        template="{name}, ждём вас {time} в «{business}», {address}",
        customer="Ольга",
        business="Салон <Анна>",
        address="ул. Ленина, 1",
    )
    return replace(visit, **overrides)  # type: ignore[arg-type]


def test_a_late_custom_reminder_goes_out_as_it_is_until_the_visit_starts() -> None:
    late = LateReminders(Texts.load(LOCALES), timedelta(minutes=15))
    visit = own_visit()
    verdict = late.review(visit, visit.reminder_at + timedelta(minutes=90))
    assert (verdict.skip, verdict.text) == (False, None)
    assert late.review(visit, STARTS).skip


@pytest.mark.asyncio
async def test_the_events_custom_reminder_and_review_request_are_used() -> None:
    store = FakeStore()
    notes = BookingNotes(store=store, texts=Texts.load(LOCALES), clock=FixedClock(NOW))
    event = BookingCreated(
        tenant_id="salon_anna",
        booking_id=7,
        customer_chat_id=555,
        customer_name="Ольга",
        customer_phone="+79990000000",
        service_name="Стрижка",
        master_name="Анна",
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=1),
        timezone="Europe/Moscow",
        reminder_offsets_min=(120,),
        reminder_text="{name}, ждём вас {time} в «{business}», {address}",
        review_text="{name}, как вам {service} у {master}?",
        business_name="Салон <Анна>",
        address="ул. Ленина, 1",
    )
    await notes.on_created(event)
    (reminder,) = store.of("reminder")
    assert (
        reminder.text
        == "Ольга, ждём вас 12 марта (ср) в 13:00 в «Салон &lt;Анна&gt;», ул. Ленина, 1"
    )
    assert reminder.reply_markup is not None  # the confirm / move / cancel buttons stay
    assert reminder.visit is not None
    assert reminder.visit.template == event.reminder_text
    (review,) = store.of("review")
    assert review.text == "Ольга, как вам Стрижка у Анна?"
    assert review.reply_markup is not None  # the stars stay


@pytest.mark.asyncio
async def test_a_zone_change_rewords_a_custom_reminder_in_the_owners_words() -> None:
    class Pending:
        def __init__(self) -> None:
            self.texts: dict[int, str] = {}

        async def pending_reminders(self, tenant_id: str) -> list[tuple[int, Visit]]:
            del tenant_id  # one tenant here
            return [(1, own_visit())]

        async def retext(self, delivery_id: int, text: str, visit: Visit) -> bool:
            assert visit.timezone == "Asia/Yekaterinburg"
            self.texts[delivery_id] = text
            return True

    store = Pending()
    notes = BookingNotes(store=store, texts=Texts.load(LOCALES), clock=FixedClock(NOW))  # type: ignore[arg-type]
    rezoned = BusinessRezoned(
        tenant_id="salon_anna",
        old_timezone="Europe/Moscow",
        timezone="Asia/Yekaterinburg",
        changed_at=NOW,
    )
    assert await notes.on_rezoned(rezoned) == 1
    assert store.texts[1] == (
        "Ольга, ждём вас 12 марта (ср) в 15:00 в «Салон &lt;Анна&gt;», ул. Ленина, 1"
    )
