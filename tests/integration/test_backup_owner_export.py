"""The owner's data export from their own bot: «⚙️ Настройки» → «📦 Выгрузить мои данные»
sends the bot's data as a JSON document in the chat; a customer or an admin gets none.

Reuses the customer conversation's harness (`talk`: a tenant whose owner is `OWNER`)."""

from __future__ import annotations

import json

import pytest
from test_booking_conversation import (  # the shared harness (pytest's rootdir import)
    OWNER,
    Talk,
    existing_booking,
    moscow,
    only,
    shared_infra,
    talk,
)

from shared.db import tenant_tx

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
__all__ = ["shared_infra", "talk"]  # fixtures, re-exported for pytest

ADMIN = 700_000_055


async def catalogue(talk: Talk) -> None:
    """A one-service catalogue, made explicitly (new tenants may start empty)."""
    async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
        if await conn.fetchval("SELECT count(*) FROM services WHERE name = 'Стрижка'"):
            return
        master = await conn.fetchval("INSERT INTO masters (name) VALUES ('Мастер') RETURNING id")
        service = await conn.fetchval(
            "INSERT INTO services (name, duration_min) VALUES ('Стрижка', 60) RETURNING id"
        )
        await conn.execute("INSERT INTO master_services VALUES ($1, $2)", master, service)


async def test_the_owner_gets_the_bots_data_as_a_document(talk: Talk) -> None:
    await catalogue(talk)
    await existing_booking(talk, moscow(3, 11))
    customer = talk.user
    talk.user = OWNER
    try:
        home = only(await talk.send("/admin"))
        settings = only(await talk.tap(home, "Настройки"))
        assert "📦 Выгрузить мои данные" in settings.button_texts
        sent = only(await talk.tap(settings, "Выгрузить мои данные"))
    finally:
        talk.user = customer

    assert sent.document is not None
    assert sent.document.file_name == f"{talk.tenant_id}-2031-06-02.json"
    assert (sent.caption or "").startswith("Все данные вашего бота на 02.06.2031")
    export = json.loads(await talk.shared.client.file(sent.document.file_id))
    assert export["tenant_id"] == talk.tenant_id
    assert export["tables"]["business"][0]["name"] == "Салон Анна"
    (booking,) = export["tables"]["bookings"]
    assert booking["status"] == "confirmed"
    assert [c["telegram_id"] for c in export["tables"]["customers"]] == [customer]
    assert "schema_migrations" not in export["tables"]


async def test_an_admin_is_refused_the_export_politely(talk: Talk) -> None:
    async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
        await conn.execute(
            "INSERT INTO staff_members (telegram_id, name, role) VALUES ($1, 'Админ', 'admin')",
            ADMIN,
        )
    settings_button = "aexp:json"
    customer = talk.user
    talk.user = ADMIN
    try:
        home = only(await talk.send("/admin"))
        sent = await talk.press(home, settings_button, force=True)
        assert (await talk.last_answer()) == "Это недоступно для вашей роли."
        assert [m for m in sent if m.document is not None] == []
    finally:
        talk.user = customer
    menu = (await talk.send("/start"))[-1]
    reply = await talk.press(menu, settings_button, force=True)
    assert (await talk.last_answer() or "").startswith("Этот раздел только для сотрудников.")
    assert [m for m in reply if m.document is not None] == []
