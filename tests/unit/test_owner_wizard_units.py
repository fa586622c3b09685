"""The owner use cases' pure parts: an own service as typed, time zone names, who may run
the wizard, and the language notifier picks for a customer."""

from __future__ import annotations

import asyncio

import pytest

from services.booking.use_cases.admin.errors import BadInput
from services.booking.use_cases.admin.ports import Staff
from services.booking.use_cases.owner.errors import OwnerRefusal
from services.booking.use_cases.owner.language import clean_zone
from services.booking.use_cases.owner.opening import language_of
from services.booking.use_cases.owner.ports import OwnerScope
from services.booking.use_cases.owner.wizard import SUGGESTIONS, parse_own_service, view
from services.notifier.use_cases.texts import LOCALES, Texts

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [
        ("Стрижка, 60, 1500", ("Стрижка", 60, 150_000)),
        ("УЗИ; 1ч 30м; 2 500 ₽", ("УЗИ", 90, 250_000)),
        ("Консультация, 30", ("Консультация", 30, 0)),
    ],
)
def test_an_own_service_is_read_as_typed(typed: str, parsed: tuple[str, int, int]) -> None:
    assert parse_own_service(typed) == parsed


@pytest.mark.parametrize("typed", ["Стрижка", "Стрижка, 60, 1500, ещё", ", 60"])
def test_an_own_service_in_another_form_is_refused_with_the_example(typed: str) -> None:
    with pytest.raises((OwnerRefusal, BadInput)):
        parse_own_service(typed)


def test_an_own_service_needs_a_sane_duration() -> None:
    with pytest.raises(BadInput):
        parse_own_service("Стрижка, 2 дня, 100")


@pytest.mark.parametrize(
    ("typed", "zone"),
    [("Europe/Moscow", "Europe/Moscow"), (" asia/novosibirsk ", "Asia/Novosibirsk")],
)
def test_a_zone_name_is_found_whatever_its_case(typed: str, zone: str) -> None:
    assert clean_zone(typed) == zone


@pytest.mark.parametrize("typed", ["", "Mars/Olympus", "../etc/passwd", "/Europe/Moscow", "x" * 80])
def test_an_unknown_zone_is_refused(typed: str) -> None:
    with pytest.raises(OwnerRefusal) as refused:
        clean_zone(typed)
    assert refused.value.key == "admin.lang.bad_zone"


def test_every_business_type_suggests_services() -> None:
    assert set(SUGGESTIONS) == {"salon", "barber", "clinic", "other"}
    assert all(SUGGESTIONS.values())


def test_only_the_owner_runs_the_wizard() -> None:
    admin = Staff(id=2, telegram_id=5, name="Адм", role="admin", master_id=None)
    scope = OwnerScope(tenant_id="t", store=None, clock=None)  # type: ignore[arg-type]
    with pytest.raises(OwnerRefusal) as refused:
        asyncio.run(view(scope, admin))  # refused before any database work
    assert refused.value.key == "admin.wizard.owner_only"


def test_the_customer_language_comes_first_then_the_business_language() -> None:
    texts = Texts.load(LOCALES)
    assert language_of("en-GB") == "en"
    assert texts.first(language_of("en-GB"), "ru").code == "en"
    assert texts.first(language_of(""), "en").code == "en"
    assert texts.first("de", "ru").code == "ru"
    assert texts.first("de", "zz").code == "ru"
