"""Notifier's waitlist offers: one message per waiting customer in their language, a button
per freed time carrying the entry, master and time, the same keys for a redelivered event."""

from __future__ import annotations

from datetime import UTC, datetime

from services.notifier.use_cases.slot_offers import offer_rows
from services.notifier.use_cases.texts import LOCALES, Texts
from shared.callbacks import SlotOfferTime
from shared.messages import SlotFreed, SlotOffer

NOON = datetime(2031, 6, 3, 9, 0, tzinfo=UTC)  # 12:00 in Moscow
LATER = datetime(2031, 6, 3, 9, 15, tzinfo=UTC)
NOW = datetime(2031, 6, 2, 6, 0, tzinfo=UTC)


def event() -> SlotFreed:
    def offer(entry: int, chat: int, locale: str) -> SlotOffer:
        return SlotOffer(
            entry_id=entry,
            chat_id=chat,
            locale=locale,
            service_name="Стрижка <люкс>",
            master_id=7,
            master_name="Ирина",
            times=(NOON, LATER),
        )

    return SlotFreed(
        tenant_id="salon",
        cause="cancel:42:1",
        timezone="Europe/Moscow",
        offers=(offer(1, 100, ""), offer(2, 200, "en"), offer(3, 0, "ru")),
    )


def test_each_waiting_customer_gets_the_times_in_their_language() -> None:
    rows = offer_rows(event(), Texts.load(LOCALES), NOW)
    assert [r.chat_id for r in rows] == [100, 200]  # no chat: nobody to send to
    ru, en = rows
    assert "Освободилось время" in ru.text
    assert "3 июня (вт) в 12:00" in ru.text
    assert "Стрижка &lt;люкс&gt;" in ru.text  # escaped
    assert "A time you were waiting for is free" in en.text
    assert ru.reply_markup is not None
    buttons = [row[0] for row in ru.reply_markup["inline_keyboard"]]  # type: ignore[index]
    assert [b["text"] for b in buttons] == ["Записаться на 12:00", "Записаться на 12:15"]
    data = SlotOfferTime.unpack(buttons[0]["callback_data"])
    assert (data.e, data.m, data.t) == (1, 7, int(NOON.timestamp()) // 60)
    assert len(buttons[0]["callback_data"].encode()) <= 64
    assert ru.due_at == NOW


def test_a_redelivered_event_makes_the_same_keys() -> None:
    texts = Texts.load(LOCALES)
    first = [r.dedup_key for r in offer_rows(event(), texts, NOW)]
    again = [r.dedup_key for r in offer_rows(event(), texts, NOW)]
    assert first == again == ["slotwait:salon:cancel:42:1:1", "slotwait:salon:cancel:42:1:2"]
