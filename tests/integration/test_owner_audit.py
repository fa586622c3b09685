"""The business's audit log through `/admin` in the Telegram emulator with real Postgres, Redis
and NATS: a set of admin actions by two people lands in the tenant's `audit_log` in order,
with before/after, and the owner reads it newest first, filtered by person, paged."""

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
from test_owner_clients_support import known_base
from test_owner_phone_support import MASTER_USER, admin_home, as_user, booking, make_catalog

from shared.db import tenant_tx

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
__all__ = ["shared_infra", "talk"]  # fixtures, re-exported for pytest

ADMIN_USER = 700_000_077
REFUSED = "Это недоступно для вашей роли."


async def test_admin_actions_are_logged_in_order_and_filtered_by_person(talk: Talk) -> None:
    people = await known_base(talk)
    cat = people.catalog
    async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
        await conn.execute(
            "INSERT INTO staff_members (telegram_id, name, role) VALUES ($1, 'Мария', 'admin')",
            ADMIN_USER,
        )
    upcoming = await booking(talk, people.vera, cat.haircut, cat.irina, moscow(5, 12))

    with as_user(talk, OWNER):
        home = await admin_home(talk)
        await talk.press(home, f"as:off:{cat.haircut}", force=True)
        await talk.press(home, f"as:price:{cat.haircut}", force=True)
        only(await talk.send("1800"))
    with as_user(talk, ADMIN_USER):
        home = await admin_home(talk)
        assert "📜 Журнал действий" not in home.button_texts  # the owner's only
        await talk.press(home, "axa:0:0", force=True)
        assert await talk.last_answer() == REFUSED
        await talk.press(home, "ao:address", force=True)
        only(await talk.send("ул. Новая, 2"))
        await talk.press(home, f"ab:x0:{upcoming}", force=True)
    with as_user(talk, OWNER):
        home = await admin_home(talk)
        await talk.press(home, f"axc:block:{people.olga}", force=True)
        await talk.press(home, f"axc:note:{people.olga}", force=True)
        only(await talk.send("Звонить после 18"))

    rows = await talk.sql(
        "SELECT actor_id, actor_name, action, target, before, after FROM audit_log ORDER BY id"
    )
    assert [(r["actor_id"], r["action"]) for r in rows] == [
        (OWNER, "service.off"),
        (OWNER, "service.edit"),
        (ADMIN_USER, "setting.change"),
        (ADMIN_USER, "booking.cancel"),
        (OWNER, "customer.block"),
        (OWNER, "customer.note"),
    ]
    by_action = {r["action"]: r for r in rows}
    edit = by_action["service.edit"]
    assert edit["target"] == f"service:{cat.haircut}"
    assert '"price_kopecks": 150000' in edit["before"]
    assert '"price_kopecks": 180000' in edit["after"]
    assert '"address": "ул. Новая, 2"' in by_action["setting.change"]["after"]
    assert '"address": "ул. Ленина, 1"' in by_action["setting.change"]["before"]
    assert by_action["booking.cancel"]["target"] == f"booking:{upcoming}"
    (state,) = await talk.sql("SELECT status FROM bookings WHERE id = $1", upcoming)
    assert state["status"] == "cancelled"

    with as_user(talk, OWNER):
        home = await admin_home(talk)
        log = only(await talk.tap(home, "Журнал действий"))
        text = log.text or ""
        assert text.startswith("Журнал действий: Все (сначала новые)")
        order = [
            "Изменил заметку о клиенте",
            "Закрыл клиенту запись через бота",
            "Отменил запись",
            "Изменил настройку",
            "Изменил услугу",
            "Выключил услугу",
        ]
        positions = [text.index(what) for what in order]
        assert positions == sorted(positions)
        assert "Цена: 1\u00a0500 ₽ → 1\u00a0800 ₽" in text
        assert "Включено: да → нет" in text

        mine = only(await talk.tap(log, "Мария"))
        text = mine.text or ""
        assert text.startswith("Журнал действий: Мария")
        assert "Изменил настройку" in text
        assert "Отменил запись" in text
        assert "Изменил услугу" not in text
        assert "Закрыл клиенту" not in text
        assert text.index("Отменил запись") < text.index("Изменил настройку")


async def test_the_log_is_paged_and_refused_to_a_master(talk: Talk) -> None:
    await make_catalog(talk)  # staff: `MASTER_USER` is linked to «Ирина»
    async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
        await conn.execute(
            "INSERT INTO audit_log (at, actor_id, actor_name, actor_role, action, target)"
            " SELECT now() - make_interval(mins => n), $1, 'Анна', 'owner', 'service.edit',"
            " 'service:' || n FROM generate_series(1, 12) AS n",
            OWNER,
        )
    with as_user(talk, OWNER):
        home = await admin_home(talk)
        first = only(await talk.tap(home, "Журнал действий"))
        text = first.text or ""
        assert text.count("Изменил услугу") == 10
        assert "service:1\n" in text + "\n"
        assert "service:11" not in text
        second = only(await talk.tap(first, "›"))
        text = second.text or ""
        assert text.count("Изменил услугу") == 2
        assert "service:11" in text
        assert "service:12" in text
        assert "›" not in second.button_texts
        assert "‹" in second.button_texts
        await talk.press(second, "axa:0:99999999", force=True)  # beyond the allowed pages
        assert "устарела" in (await talk.last_answer() or "")
    with as_user(talk, MASTER_USER):
        home = await admin_home(talk)
        await talk.press(home, "axa:0:0", force=True)
        assert await talk.last_answer() == REFUSED
