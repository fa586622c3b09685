"""The week at a glance and the booking card with its customer, through `/admin` in the
Telegram emulator with real Postgres, Redis and NATS, on a known data set (see
`test_owner_phone_support`: «Анна» Mon-Sat 10-20 with a break 14-15, «Ирина» Mon-Fri 12-18)."""

from __future__ import annotations

import pytest
from test_booking_conversation import (  # the shared harness (pytest's rootdir import)
    OWNER,
    Talk,
    moscow,
    only,
    shared_infra,
    talk,
)
from test_owner_phone_support import (
    CUSTOMER_PHONE,
    MASTER_USER,
    admin_home,
    as_user,
    booking,
    customer,
    make_catalog,
)

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
__all__ = ["shared_infra", "talk"]  # fixtures, re-exported for pytest

HEADER = "      10  12  14  16  18"
FREE_ANNA = "········  ··········"  # 10-14 free, the break, 15-20 free


def grid(text: str) -> list[str]:
    """The lines of the `<pre>` grid as the chat shows them."""
    start = text.index(HEADER)
    return text[start:].split("\n")[:8]


async def test_the_week_shows_busy_and_free_and_taps_through_to_the_card(talk: Talk) -> None:
    cat = await make_catalog(talk)
    olga = await customer(talk, telegram_id=talk.user, name="Ольга", phone=CUSTOMER_PHONE)
    await booking(talk, olga, cat.haircut, cat.anna, moscow(3, 10))
    await booking(talk, olga, cat.haircut, cat.irina, moscow(3, 12))
    await booking(talk, olga, cat.haircut, cat.anna, moscow(4, 15, 30))
    for day in (1, 2):  # two earlier visits that took place, one no-show
        await booking(
            talk, olga, cat.haircut, cat.anna, moscow(day, 10).replace(month=5), "completed"
        )
    await booking(talk, olga, cat.haircut, cat.anna, moscow(3, 11).replace(month=5), "no_show")
    await talk.sql("UPDATE customers SET note = 'Любит кофе' WHERE id = $1", olga)

    with as_user(talk, OWNER):
        home = await admin_home(talk)
        week = only(await talk.tap(home, "Неделя"))
        text = week.text or ""
        assert "Неделя: Пн, 2 июня – Вс, 8 июня" in text
        assert "Все мастера" in text
        assert grid(text) == [
            HEADER,
            "Пн›02 " + "····················",  # today: both free (Ирина covers the break)
            "Вт 03 ██··▒▒·············· 2",  # Анна 10-11 (Ирина off): all busy; 12-13 Ирина only
            "Ср 04 ···········▒▒······· 1",  # Анна 15:30-16:30 while Ирина is free
            "Чт 05 " + "····················",
            "Пт 06 " + "····················",
            "Сб 07 " + FREE_ANNA,  # Ирина does not work on Saturdays
            "Вс 08 выходной",
        ]
        anna = only(await talk.tap(week, "Анна"))
        lines = grid(anna.text or "")
        assert lines[2] == "Вт 03 ██······  ·········· 1"
        assert lines[3] == "Ср 04 ········  ·██······· 1"
        nxt = only(await talk.tap(anna, "›"))
        assert "Неделя: Пн, 9 июня – Вс, 15 июня" in (nxt.text or "")
        assert "Анна" in (nxt.text or "")
        back = only(await talk.tap(nxt, "Эта неделя"))
        day = only(await talk.tap(back, "Вт 3 (1)"))
        assert "Вт, 3 июня" in (day.text or "")
        card = only(await talk.tap(day, "10:00–11:00 Стрижка"))
        text = card.text or ""
        assert "Телефон: +79120000000" in text  # plain international form: tappable
        assert "Визитов: 2" in text
        assert "Не пришёл: 1 раз" in text
        assert "Заметка: Любит кофе" in text
        asked = only(await talk.tap(card, "Заметка"))
        assert "Сейчас: Любит кофе" in (asked.text or "")
        saved = only(await talk.send("Любит кофе без сахара"))
        assert (saved.text or "").startswith("Заметка сохранена.")
        assert "Заметка: Любит кофе без сахара" in (saved.text or "")
    (row,) = await talk.sql("SELECT note FROM customers WHERE id = $1", olga)
    assert row["note"] == "Любит кофе без сахара"


async def test_a_master_sees_only_their_own_week_and_english_works(talk: Talk) -> None:
    cat = await make_catalog(talk)
    olga = await customer(talk, telegram_id=talk.user, name="Ольга", phone=CUSTOMER_PHONE)
    await booking(talk, olga, cat.haircut, cat.anna, moscow(3, 10))
    await booking(talk, olga, cat.haircut, cat.irina, moscow(3, 12))
    with as_user(talk, MASTER_USER):
        home = await admin_home(talk)
        week = only(await talk.tap(home, "Неделя"))
        text = week.text or ""
        assert "Ирина" in text
        assert "Все мастера" not in text
        lines = text[text.index("      12") :].split("\n")
        assert lines[2] == "Вт 03 ██·········· 1"  # 12-18 only: her own booking at 12
        assert "Анна" not in week.button_texts
        await talk.press(week, f"ak:{cat.anna}:0", force=True)
        assert await talk.last_answer() == "Это недоступно для вашей роли."
    with as_user(talk, OWNER):
        english = only(await talk.send("/admin", lang="en"))
        assert "📞 Book a client" in english.button_texts
        week = only(await talk.tap(english, "Week"))
        assert (week.text or "").startswith("Week: ")
        assert "All specialists" in (week.text or "")
