"""The client base's known data set (new tenants start empty): the front desk's catalog
(`make_catalog`: «Стрижка» 1 500 ₽, masters «Анна» and «Ирина», `MASTER_USER` linked to
«Ирина») and six customers whose figures are worked out by hand below. The harness clock is
Monday 2 June 2031, 09:00 Moscow.

| customer                   | chat | bookings                                          | segment |
|----------------------------|------|---------------------------------------------------|---------|
| Ольга (the test's user)    | yes  | 3 completed (1 500 + 1 200 + 1 500 ₽), 1 no-show, | regular |
|                            |      | 1 cancelled, 1 upcoming (Ср 4 июня 12:00)         |         |
| Борис                      | no   | 2 completed in January                            | lapsed  |
| Вера                       | no   | none                                              | new     |
| Галина                     | no   | 1 completed                                       | new     |
| Дмитрий                    | no   | none; blocked                                     | blocked |
| =HYPERLINK("http://x")     | no   | none                                              | new     |
"""

from __future__ import annotations

from dataclasses import dataclass

from test_booking_conversation import Talk, moscow
from test_owner_phone_support import Catalog, booking, customer, make_catalog

from shared.db import tenant_tx

EVIL = '=HYPERLINK("http://x")'
OLGA_SPEND = 150_000 + 120_000 + 150_000


@dataclass(frozen=True)
class People:
    catalog: Catalog
    olga: int
    boris: int
    vera: int
    galina: int
    dmitry: int
    evil: int


async def known_base(talk: Talk) -> People:
    cat = await make_catalog(talk)
    olga = await customer(talk, telegram_id=talk.user, name="Ольга", phone="+79120000000")
    boris = await customer(talk, telegram_id=None, name="Борис", phone="+79130000001")
    vera = await customer(talk, telegram_id=None, name="Вера", phone="+79140000002")
    galina = await customer(talk, telegram_id=None, name="Галина", phone="+79150000003")
    dmitry = await customer(talk, telegram_id=None, name="Дмитрий", phone="+79170000005")
    evil = await customer(talk, telegram_id=None, name=EVIL, phone="+79160000004")
    h, anna, irina = cat.haircut, cat.anna, cat.irina
    await booking(talk, olga, h, anna, moscow(5, 12).replace(month=5), "completed")
    cheaper = await booking(talk, olga, h, anna, moscow(19, 12).replace(month=5), "completed")
    await booking(talk, olga, h, irina, moscow(26, 12).replace(month=5), "completed")
    await booking(talk, olga, h, anna, moscow(12, 12).replace(month=5), "no_show")
    cancelled = await booking(talk, olga, h, anna, moscow(13, 12).replace(month=5))
    await booking(talk, olga, h, anna, moscow(4, 12))  # upcoming
    await booking(talk, boris, h, anna, moscow(10, 11).replace(month=1), "completed")
    await booking(talk, boris, h, anna, moscow(20, 11).replace(month=1), "completed")
    await booking(talk, galina, h, irina, moscow(28, 15).replace(month=5), "completed")
    async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
        await conn.execute("UPDATE bookings SET price_kopecks = 120000 WHERE id = $1", cheaper)
        await conn.execute(
            "UPDATE bookings SET status = 'cancelled', cancelled_by = 'customer' WHERE id = $1",
            cancelled,
        )
        await conn.execute("UPDATE customers SET source = 'instagram' WHERE id = $1", olga)
        await conn.execute("UPDATE customers SET blocked_at = now() WHERE id = $1", dmitry)
    return People(
        catalog=cat, olga=olga, boris=boris, vera=vera, galina=galina, dmitry=dmitry, evil=evil
    )
