"""Every kind of admin action lands in the audit log, through `/admin` in the Telegram emulator
with real Postgres, Redis and NATS: a table of one representative action per kind (services,
masters, weekly hours and breaks, dates and blocks, staff, invites, closures, master profiles,
settings, language and zone, review delay, phone bookings, staff moves and cancels, no-shows,
customer notes/tags/blocks, the setup wizard), each checked for its actor, target and
before/after in the tenant's `audit_log`; then the owner's screen words them and filters by
person.

The harness clock is Monday 2 June 2031, 09:00 Moscow; the front desk's catalog (`make_catalog`)
has «Стрижка» 1 500 ₽ with «Анна» and «Ирина», `MASTER_USER` linked to «Ирина».
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

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
    MASTER_USER,
    admin_home,
    as_user,
    booking,
    customer,
    make_catalog,
)

from services.booking.bot.admin.desk_callbacks import minute_code

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
__all__ = ["shared_infra", "talk"]  # fixtures, re-exported for pytest

NEW_ADMIN = 700_000_099
JOINER = 700_000_111
PHONE = "+79120000000"


@dataclass
class World:
    talk: Talk
    haircut: int
    anna: int
    irina: int
    olga: int  # the test's own chat, a customer with a phone
    later: int  # Вера's booking on Thursday, moved by staff
    soon: int  # Вера's booking on Wednesday, cancelled by staff
    past: int  # Вера's booking last Friday, marked a no-show


async def world(talk: Talk) -> World:
    cat = await make_catalog(talk)
    olga = await customer(talk, telegram_id=talk.user, name="Ольга", phone=PHONE)
    vera = await customer(talk, telegram_id=None, name="Вера", phone="+79140000002")
    return World(
        talk=talk,
        haircut=cat.haircut,
        anna=cat.anna,
        irina=cat.irina,
        olga=olga,
        later=await booking(talk, vera, cat.haircut, cat.anna, moscow(5, 12)),
        soon=await booking(talk, vera, cat.haircut, cat.anna, moscow(4, 16)),
        past=await booking(talk, vera, cat.haircut, cat.anna, moscow(30, 12).replace(month=5)),
    )


async def press_then_type(w: World, data: str, *typed: str) -> None:
    home = await admin_home(w.talk)
    await w.talk.press(home, data, force=True)
    for text in typed:
        await w.talk.send(text)


def pressing(data: Callable[[World], str], *typed: str) -> Callable[[World], Awaitable[None]]:
    async def drive(w: World) -> None:
        await press_then_type(w, data(w), *typed)

    return drive


async def remove_staff(w: World) -> None:
    (row,) = await w.talk.sql("SELECT id FROM staff_members WHERE telegram_id = $1", NEW_ADMIN)
    await press_then_type(w, f"at:sure:{row['id']}")


async def unblock(w: World) -> None:
    (row,) = await w.talk.sql("SELECT id FROM blocked_ranges ORDER BY id DESC LIMIT 1")
    await press_then_type(w, f"awu:{row['id']}")


async def lift_closure(w: World) -> None:
    (row,) = await w.talk.sql("SELECT id FROM closures ORDER BY id DESC LIMIT 1")
    await press_then_type(w, f"acv:rm:{row['id']}")


async def invite_and_join(w: World) -> None:
    """The owner makes an admin invite (logged), someone new opens it (logged as them)."""
    with as_user(w.talk, OWNER):
        home = await admin_home(w.talk)
        made = only(await w.talk.press(home, "ai:admin:0", force=True))
    found = re.search(r"start=(inv_[\w-]+)", made.text or "")
    assert found is not None, made.text
    rows = await w.talk.sql("SELECT actor_id, action FROM audit_log ORDER BY id DESC LIMIT 1")
    assert (rows[0]["actor_id"], rows[0]["action"]) == (OWNER, "invite.make")
    with as_user(w.talk, JOINER):
        await w.talk.send(f"/start {found[1]}")


async def phone_booking(w: World) -> None:
    home = await admin_home(w.talk)
    only(await w.talk.tap(home, "Записать клиента"))
    found = only(await w.talk.send("8 912 000-00-00"))
    services = only(await w.talk.tap(found, f"Ольга · {PHONE}"))
    masters = only(await w.talk.tap(services, "Стрижка"))
    days = only(await w.talk.tap(masters, "Анна"))
    times = only(await w.talk.tap(days, "Вт 3"))
    summary = only(await w.talk.tap(times, "10:00"))
    await w.talk.tap(summary, "Записать")


@dataclass(frozen=True)
class Case:
    actor: int
    drive: Callable[[World], Awaitable[None]]
    action: str
    target: str  # a part of the entry's target
    before: str  # a part of the stored JSON ("" = no before)
    after: str


CASES: tuple[Case, ...] = (
    Case(OWNER, pressing(lambda w: f"as:price:{w.haircut}", "1800"),
         "service.edit", "service:", '"price_kopecks": 150000', '"price_kopecks": 180000'),
    Case(OWNER, pressing(lambda w: f"am:name:{w.anna}", "Анна К."),
         "master.rename", "master:", '"name": "Анна"', '"name": "Анна К."'),
    Case(OWNER, pressing(lambda w: f"awd:hours:{w.irina}:0", "11:00-17:00"),
         "hours.set", "weekday:0", '"12:00:00"', '"11:00:00"'),
    Case(OWNER, pressing(lambda w: f"awd:brk:{w.anna}:1", "13:00-14:00"),
         "breaks.set", "weekday:1", '"14:00:00"', '"13:00:00"'),
    Case(MASTER_USER, pressing(lambda w: f"awy:off:{w.irina}:20310610"),
         "date.off", "day:2031-06-10", '"day_off": false', '"day_off": true'),
    Case(OWNER, pressing(lambda w: f"awy:block:{w.anna}:20310611", "12:00-13:00"),
         "date.block", "day:2031-06-11", "", '"from": "12:00:00"'),
    Case(OWNER, unblock, "date.unblock", "day:2031-06-11", '"from": "2031-06-11T', ""),
    Case(OWNER, pressing(lambda _: "at:admin:0", str(NEW_ADMIN)),
         "staff.add", "staff:", "", '"role": "admin"'),
    Case(OWNER, remove_staff, "staff.remove", "staff:", '"role": "admin"', ""),
    Case(JOINER, invite_and_join, "invite.redeem", "invite:", '"role": null', '"role": "admin"'),
    Case(OWNER, pressing(lambda _: "acl:hol", "10.06"),
         "closure.add", "closure:", "", '"from": "2031-06-10"'),
    Case(OWNER, lift_closure, "closure.remove", "closure:", '"kind": "holiday"', ""),
    Case(MASTER_USER, pressing(lambda w: f"apf:bio:{w.irina}", "Колорист"),
         "profile.bio", "master:", '"bio": ""', '"bio": "Колорист"'),
    Case(OWNER, pressing(lambda w: f"apx:ask:{w.anna}:{w.haircut}", "2000 / 1:30"),
         "profile.own", "service:", '"own_price_kopecks": null', '"own_price_kopecks": 200000'),
    Case(OWNER, pressing(lambda _: "ao:horizon", "30"),
         "setting.change", "horizon_days", '"horizon_days": ', '"horizon_days": 30'),
    Case(OWNER, pressing(lambda _: "azd", "90"),
         "setting.change", "review_delay_min", '"review_delay_min": ', '"review_delay_min": 90'),
    Case(OWNER, pressing(lambda _: "azl:en:0"),
         "setting.language", "locale", '"locale": "ru"', '"locale": "en"'),
    Case(OWNER, pressing(lambda _: "azl:ru:0"),
         "setting.language", "locale", '"locale": "en"', '"locale": "ru"'),
    Case(OWNER, phone_booking, "booking.create", "booking:", "", '"customer": "Ольга"'),
    Case(OWNER, pressing(lambda w: f"aj:go:{w.later}:{minute_code(moscow(6, 15))}"),
         "booking.move", "booking:", '"starts_at": "2031-06-05T09:00:00', "2031-06-06T12:00:00"),
    Case(OWNER, pressing(lambda w: f"ab:x0:{w.soon}"),
         "booking.cancel", "booking:", '"status": "confirmed"', '"status": "cancelled"'),
    Case(OWNER, pressing(lambda w: f"ab:ns:{w.past}"),
         "booking.outcome", "booking:", '"status": "confirmed"', '"status": "no_show"'),
    Case(OWNER, pressing(lambda w: f"axc:note:{w.olga}", "Звонить после 18"),
         "customer.note", "customer:", '"note": ""', '"note": "Звонить после 18"'),
    Case(OWNER, pressing(lambda w: f"axc:tags:{w.olga}", "vip"),
         "customer.tags", "customer:", '"tags": []', '"tags": ["vip"]'),
    Case(OWNER, pressing(lambda w: f"axc:block:{w.olga}"),
         "customer.block", "customer:", '"blocked": false', '"blocked": true'),
    Case(OWNER, pressing(lambda w: f"axc:unblock:{w.olga}"),
         "customer.unblock", "customer:", '"blocked": true', '"blocked": false'),
    Case(OWNER, pressing(lambda _: "azl:zone:3"),
         "setting.timezone", "timezone", '"timezone": "Europe/Moscow"', "Europe/Samara"),
    Case(OWNER, pressing(lambda _: "azt:barber"),
         "wizard.type", "business", "", '"business_type": "barber"'),
    Case(OWNER, pressing(lambda _: "aza:own", "Борода, 30, 800"),
         "service.add", "service:", "", '"name": "Борода"'),
)  # fmt: skip


async def test_every_kind_of_admin_action_is_logged_with_before_and_after(talk: Talk) -> None:
    w = await world(talk)
    for case in CASES:
        with as_user(talk, case.actor):
            await case.drive(w)
        rows = await talk.sql(
            "SELECT actor_id, action, target, before::text, after::text FROM audit_log"
            " ORDER BY id DESC LIMIT 1"
        )
        assert rows, case.action
        got = rows[0]
        assert (got["actor_id"], got["action"]) == (case.actor, case.action), (case, dict(got))
        assert case.target in got["target"], (case, dict(got))
        assert case.before in (got["before"] or ""), (case, dict(got))
        assert case.after in (got["after"] or ""), (case, dict(got))

    everyone = await talk.sql("SELECT count(*) AS n FROM audit_log")
    assert everyone[0]["n"] >= len(CASES) + 1  # + the invite it made
    with as_user(talk, OWNER):
        home = await admin_home(talk)
        log = only(await talk.press(home, "axa:0:0", force=True))
        text = log.text or ""
        assert "Создал приглашение" not in text  # older than the ten newest
        assert "Выбрал тип бизнеса" in text
        assert "Тип бизнеса: — → barber" in text
        assert "Изменил часовой пояс" in text
        assert "Часовой пояс: Europe/Moscow → Europe/Samara" in text
        assert "Запись закрыта: да → нет" in text
        assert "Метки: — → vip" in text
        mine = only(await talk.tap(log, "Ирина"))
        text = mine.text or ""
        assert text.startswith("Журнал действий: Ирина")
        assert "Изменил описание мастера" in text
        assert "Описание: — → Колорист" in text
        assert "Поставил выходной" in text
        assert "Выходной: нет → да" in text
        assert "Изменил услугу" not in text
