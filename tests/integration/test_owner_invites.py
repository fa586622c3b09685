"""Staff by invitation, end to end through the Telegram emulator and real Postgres/Redis/NATS:
the owner makes a one-time link; whoever opens it first joins with its role; a second use,
an expired link, a made-up code and tampered buttons are refused politely."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest
from owner_catalog import make_catalog
from test_booking_admin import admin_home, as_user
from test_booking_conversation import (  # the shared harness (pytest's rootdir import)
    NOW,
    OWNER,
    Talk,
    only,
    shared_infra,
    talk,
)

from services.booking.adapters.invites import PgInviteStore
from services.booking.use_cases.admin import invites
from services.booking.use_cases.admin.invite_ports import InviteScope
from services.booking.use_cases.admin.owner_errors import OwnerRefused

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
__all__ = ["shared_infra", "talk"]  # fixtures, re-exported for pytest

FIRST, SECOND = 810_000_001, 810_000_002


async def invite_link(talk: Talk, *labels: str) -> str:
    with as_user(talk, OWNER):
        home = await admin_home(talk)
        screen = only(await talk.tap(home, "Сотрудники"))
        screen = only(await talk.tap(screen, "Пригласить по ссылке"))
        for label in labels:
            screen = only(await talk.tap(screen, label))
    text = screen.text or ""
    assert "сработает один раз" in text
    found = re.search(r"https://t\.me/(\w+)\?start=(inv_[\w-]+)", text)
    assert found is not None, text
    assert found[1] == talk.tenant.config.bot_username
    return found[2]


async def test_an_admin_invite_works_once(talk: Talk) -> None:
    payload = await invite_link(talk, "Администратора")
    (stored,) = await talk.sql("SELECT code_hash FROM staff_invites")
    assert payload.removeprefix("inv_").encode() not in bytes(stored["code_hash"])

    with as_user(talk, FIRST):
        joined = only(await talk.send(f"/start {payload}"))
        assert joined.text == (
            "Добро пожаловать в команду! Ваша роль: администратор. Откройте /admin."
        )
        home = await admin_home(talk)
        assert "Вы: администратор" in (home.text or "")
    with as_user(talk, SECOND):
        refused = only(await talk.send(f"/start {payload}"))
        assert refused.text == (
            "Эта ссылка-приглашение уже использована. Попросите владельца прислать новую."
        )
        reply = only(await talk.send("/admin"))
        assert (reply.text or "").startswith("Этот раздел только для сотрудников.")
    rows = await talk.sql("SELECT telegram_id, role FROM staff_members ORDER BY id")
    assert [(r["telegram_id"], r["role"]) for r in rows] == [(OWNER, "owner"), (FIRST, "admin")]

    with as_user(talk, FIRST):  # an admin cannot make invites
        home = await admin_home(talk)
        await talk.press(home, "ai:admin:0", force=True)
        assert await talk.last_answer() == "Это недоступно для вашей роли."


async def test_a_master_invite_links_the_master_profile(talk: Talk) -> None:
    await make_catalog(talk.deps.pool, talk.tenant_id, masters=("Ирина", "Олег"))
    payload = await invite_link(talk, "Мастера", "Олег")
    with as_user(talk, FIRST):
        joined = only(await talk.send(f"/start {payload}"))
        assert "Ваша роль: мастер «Олег»" in (joined.text or "")
        home = await admin_home(talk)
        week = only(await talk.tap(home, "Расписание"))
        assert (week.text or "").startswith("Олег — неделя:")
    (row,) = await talk.sql(
        "SELECT s.role, m.name FROM staff_members s JOIN masters m ON m.id = s.master_id"
        " WHERE s.telegram_id = $1",
        FIRST,
    )
    assert tuple(row) == ("master", "Олег")


async def test_expired_and_made_up_invites_are_refused(talk: Talk) -> None:
    payload = await invite_link(talk, "Администратора")
    talk.clock.value = NOW + timedelta(hours=49)
    with as_user(talk, FIRST):
        refused = only(await talk.send(f"/start {payload}"))
        assert refused.text == (
            "Срок действия этой ссылки-приглашения истёк. Попросите владельца прислать новую."
        )
        made_up = only(await talk.send("/start inv_notARealCode"))
        assert made_up.text == "Ссылка-приглашение не найдена. Проверьте её или попросите новую."
        english = only(await talk.send(f"/start {payload}", lang="en"))
        assert english.text == "This invite link has expired. Please ask the owner for a new one."
        plain = only(await talk.send("/start instagram"))  # other deep links stay the customer's
        assert "Салон Анна" in (plain.text or "")
    with as_user(talk, OWNER):
        own = only(await talk.send(f"/start {payload}"))
        assert own.text == "Вы владелец этого бота — приглашение вам не нужно."
        home = await admin_home(talk)
        await talk.press(home, "ai:master:999", force=True)
        assert await talk.last_answer() == "Такого мастера нет."
        await talk.press(home, "ai:master:abc", force=True)
        assert await talk.last_answer() == "Эта кнопка устарела. Вот актуальное меню."
    rows = await talk.sql("SELECT role FROM staff_members")
    assert [r["role"] for r in rows] == ["owner"]


async def test_two_people_opening_one_link_at_once_make_one_staff_member(talk: Talk) -> None:
    payload = await invite_link(talk, "Администратора")
    scope = InviteScope(
        tenant_id=talk.tenant_id,
        store=PgInviteStore(talk.deps.pool, talk.tenant_id),
        clock=talk.clock,
    )
    outcomes = await asyncio.gather(
        *(
            invites.redeem(scope, telegram_id=user, name="Гость", payload=payload)
            for user in (FIRST, SECOND)
        ),
        return_exceptions=True,
    )
    refused = [o for o in outcomes if isinstance(o, OwnerRefused)]
    assert [r.key for r in refused] == ["admin.invite.used"]
    rows = await talk.sql("SELECT count(*) AS n FROM staff_members WHERE role = 'admin'")
    assert rows[0]["n"] == 1
