"""Analytics figures against hand-computed numbers: a fixed data set inserted by SQL into a new
(empty) tenant, read through the use case and its SQL (`adapters.analytics_sql`) on the real
Postgres. `make_stats_data` is shared with `test_owner_stats_bot`.

The week is Mon 2 – Sun 8 June 2031, Moscow.
- «Анна» Mon-Sat 10-20, break 14-15 (540 min a day); day off Wed 4; Sat 7 changed to 10-14;
  her block Tue 3 13:30-15:30 (over the break: only 60 min more closed); her block Fri 6
  16-18; a block for everyone Thu 5 12-13.
  Open: 540 + 480 + 0 + 480 + 420 + 240 + 0 = 2160 min.
- «Ирина» Mon-Fri 12-18 (360 a day), the block for everyone Thu 5 12-13: 1800 - 60 = 1740.

Bookings in the week (MSK): #1 Ольга Стрижка Анна Mon 10:00 completed 1 500 ₽;
#2 Пётр Окрашивание (120 min) Анна Mon 11:00 completed 4 000 ₽; #3 Мария Стрижка Ирина Tue
12:00 no-show; #4 Ольга Стрижка Ирина Tue 13:00 cancelled by the customer; #5 Кирилл Стрижка
Анна Thu 10:00 cancelled by staff; #6 Пётр Стрижка Анна Fri 10:00 cancelled by the system;
#7 Мария Окрашивание Ирина Fri 15:00 confirmed 4 000 ₽; #8 Ольга Стрижка Анна Sat 11:00
confirmed 1 500 ₽. Outside it: Ольга on 20 May (completed, so she returns), Зоя on Sun 1 June
23:00 (the evening before the range), Пётр on Mon 9 June. Reviews: #1 5★, #2 4★, the May
visit 1★ (outside).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from test_booking_conversation import (  # the shared harness (pytest's rootdir import)
    Talk,
    moscow,
    shared_infra,
    talk,
)

from services.booking.adapters.analytics_sql import PgAnalytics
from services.booking.use_cases.admin import analytics
from services.booking.use_cases.admin.analytics import AnalyticsScope, RangeError
from services.booking.use_cases.admin.errors import NotAllowed
from services.booking.use_cases.admin.ports import Staff
from shared.db import tenant_tx

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
__all__ = ["shared_infra", "talk"]  # fixtures, re-exported for pytest

MONDAY, SUNDAY = date(2031, 6, 2), date(2031, 6, 8)
HYPERLINK = '=HYPERLINK("http://evil.example","x")'
OWNER_STAFF = Staff(id=1, telegram_id=1, name="Анна", role="owner", master_id=None)


@dataclass(frozen=True)
class StatsData:
    anna: int
    irina: int


async def _booking(
    conn,
    customer: int,
    service: tuple[int, int, int],
    master: int,
    at: datetime,
    status: str,
    by: str | None = None,
) -> int:
    service_id, minutes, price = service
    ends = at + timedelta(minutes=minutes)
    return await conn.fetchval(
        "INSERT INTO bookings (customer_id, service_id, master_id, starts_at, ends_at, blocked,"
        " price_kopecks, status, cancelled_by)"
        " VALUES ($1, $2, $3, $4, $5, tstzrange($4, $5), $6, $7, $8) RETURNING id",
        customer,
        service_id,
        master,
        at,
        ends,
        price,
        status,
        by,
    )


async def make_stats_data(talk: Talk, *, master_user: int | None = None) -> StatsData:
    async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
        for table in ("master_services", "working_hours", "breaks", "masters", "services"):
            await conn.execute(f"DELETE FROM {table}")  # whatever a seed left
        cut = await conn.fetchval(
            "INSERT INTO services (name, duration_min, price_kopecks)"
            " VALUES ('Стрижка', 60, 150000) RETURNING id"
        )
        color = await conn.fetchval(
            "INSERT INTO services (name, duration_min, price_kopecks)"
            " VALUES ('Окрашивание', 120, 400000) RETURNING id"
        )
        haircut, coloring = (cut, 60, 150000), (color, 120, 400000)
        anna = await conn.fetchval(
            "INSERT INTO masters (name, sort_order) VALUES ('Анна', 1) RETURNING id"
        )
        irina = await conn.fetchval(
            "INSERT INTO masters (name, sort_order) VALUES ('Ирина', 2) RETURNING id"
        )
        await conn.execute(
            "INSERT INTO working_hours (master_id, weekday, starts, ends)"
            " SELECT $1::int, d, time '10:00', time '20:00' FROM generate_series(0, 5) AS d"
            " UNION ALL"
            " SELECT $2::int, d, time '12:00', time '18:00' FROM generate_series(0, 4) AS d",
            anna,
            irina,
        )
        await conn.execute(
            "INSERT INTO breaks (master_id, weekday, starts, ends)"
            " SELECT $1, d, '14:00', '15:00' FROM generate_series(0, 5) AS d",
            anna,
        )
        await conn.execute("INSERT INTO days_off (master_id, day) VALUES ($1, '2031-06-04')", anna)
        await conn.execute(
            "INSERT INTO changed_hours (master_id, day, starts, ends)"
            " VALUES ($1, '2031-06-07', '10:00', '14:00')",
            anna,
        )
        await conn.execute(
            "INSERT INTO blocked_ranges (master_id, during) VALUES"
            " ($1, tstzrange($2, $3)), ($1, tstzrange($4, $5)), (NULL, tstzrange($6, $7))",
            anna,
            moscow(3, 13, 30),
            moscow(3, 15, 30),
            moscow(6, 16),
            moscow(6, 18),
            moscow(5, 12),
            moscow(5, 13),
        )
        people = {}
        for name, source in (
            ("Ольга", "ig"),
            ("Пётр", "ig"),
            ("Мария", HYPERLINK),
            ("Кирилл", "vk"),
            ("Зоя", "ig"),
        ):
            people[name] = await conn.fetchval(
                "INSERT INTO customers (name, source) VALUES ($1, $2) RETURNING id", name, source
            )
        olga, petr, maria = people["Ольга"], people["Пётр"], people["Мария"]
        first = await _booking(conn, olga, haircut, anna, moscow(2, 10), "completed")
        second = await _booking(conn, petr, coloring, anna, moscow(2, 11), "completed")
        await _booking(conn, maria, haircut, irina, moscow(3, 12), "no_show")
        await _booking(conn, olga, haircut, irina, moscow(3, 13), "cancelled", "customer")
        await _booking(conn, people["Кирилл"], haircut, anna, moscow(5, 10), "cancelled", "staff")
        await _booking(conn, petr, haircut, anna, moscow(6, 10), "cancelled", "system")
        await _booking(conn, maria, coloring, irina, moscow(6, 15), "confirmed")
        await _booking(conn, olga, haircut, anna, moscow(7, 11), "confirmed")
        may = await _booking(
            conn, olga, haircut, anna, moscow(20, 10).replace(month=5), "completed"
        )
        await _booking(conn, people["Зоя"], haircut, irina, moscow(1, 23), "completed")
        await _booking(conn, petr, haircut, anna, moscow(9, 10), "confirmed")
        for booking_id, who, stars in ((first, olga, 5), (second, petr, 4), (may, olga, 1)):
            await conn.execute(
                "INSERT INTO reviews (booking_id, customer_id, stars) VALUES ($1, $2, $3)",
                booking_id,
                who,
                stars,
            )
        if master_user is not None:
            await conn.execute(
                "INSERT INTO staff_members (telegram_id, name, role, master_id)"
                " VALUES ($1, 'Ирина', 'master', $2)",
                master_user,
                irina,
            )
    return StatsData(anna=anna, irina=irina)


def scope_of(talk: Talk) -> AnalyticsScope:
    return AnalyticsScope(reader=PgAnalytics(talk.deps.pool, talk.tenant_id), clock=talk.clock)


async def test_every_figure_of_a_known_week(talk: Talk) -> None:
    data = await make_stats_data(talk)
    report = await analytics.report(scope_of(talk), OWNER_STAFF, MONDAY, SUNDAY)
    t = report.totals
    assert t is not None
    assert (t.bookings, t.completed, t.confirmed, t.no_shows) == (8, 2, 2, 1)
    assert (t.cancelled_by_customer, t.cancelled_by_staff, t.cancelled_by_system) == (1, 1, 1)
    assert t.revenue_kopecks == 1_100_000  # 1 500 + 4 000 done, 4 000 + 1 500 confirmed
    assert (t.new_customers, t.returning_customers) == (2, 1)  # Пётр, Мария; Ольга returns
    assert t.sources == (("ig", 2), (HYPERLINK, 1))  # Кирилл only cancelled: not counted
    assert t.rating == 4.5
    assert t.reviews == 2
    assert [
        (d.day.day, d.bookings, d.cancelled, d.no_shows, d.revenue_kopecks) for d in t.days
    ] == [
        (2, 2, 0, 0, 550_000),
        (3, 2, 1, 1, 0),
        (4, 0, 0, 0, 0),
        (5, 1, 1, 0, 0),
        (6, 2, 1, 0, 400_000),
        (7, 1, 0, 0, 150_000),
        (8, 0, 0, 0, 0),
    ]
    assert t.hours == ((10, 1), (11, 2), (12, 1), (15, 1))
    assert [(m.master_id, m.name, m.booked_min, m.open_min) for m in report.loads] == [
        (data.anna, "Анна", 240, 2160),
        (data.irina, "Ирина", 180, 1740),
    ]
    assert [m.percent for m in report.loads] == [11, 10]

    one_day = await analytics.report(scope_of(talk), OWNER_STAFF, MONDAY, MONDAY)
    assert one_day.totals is not None
    assert one_day.totals.bookings == 2
    assert [(m.booked_min, m.open_min) for m in one_day.loads] == [(180, 540), (0, 360)]


async def test_a_master_gets_only_their_own_load(talk: Talk) -> None:
    data = await make_stats_data(talk)
    irina = Staff(id=2, telegram_id=2, name="Ирина", role="master", master_id=data.irina)
    report = await analytics.report(scope_of(talk), irina, MONDAY, SUNDAY)
    assert report.totals is None
    assert [(m.name, m.booked_min, m.open_min) for m in report.loads] == [("Ирина", 180, 1740)]
    with pytest.raises(NotAllowed):
        await analytics.full_report(scope_of(talk), irina, MONDAY, SUNDAY)


async def test_a_range_across_the_end_of_summer_time_in_berlin(talk: Talk) -> None:
    """Summer time ends on Sun 26 Oct 2031 at 03:00 CEST (02:00 CET): that Sunday has 25
    hours. «Клара» works Sat 10-12 and Sun 00-06 (seven real hours)."""
    async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
        for table in ("master_services", "working_hours", "breaks", "masters", "services"):
            await conn.execute(f"DELETE FROM {table}")  # whatever a seed left
        await conn.execute("UPDATE business SET timezone = 'Europe/Berlin'")
        service = await conn.fetchval(
            "INSERT INTO services (name, duration_min, price_kopecks)"
            " VALUES ('Cut', 60, 100000) RETURNING id"
        )
        klara = await conn.fetchval("INSERT INTO masters (name) VALUES ('Клара') RETURNING id")
        await conn.execute(
            "INSERT INTO working_hours (master_id, weekday, starts, ends)"
            " VALUES ($1, 5, '10:00', '12:00'), ($1, 6, '00:00', '06:00')",
            klara,
        )
        guest = await conn.fetchval("INSERT INTO customers (name) VALUES ('Gast') RETURNING id")
        for at in (
            datetime(2031, 10, 24, 21, 30, tzinfo=UTC),  # Fri 23:30 CEST: before the range
            datetime(2031, 10, 25, 22, 30, tzinfo=UTC),  # Sun 00:30 CEST
            datetime(2031, 10, 26, 0, 30, tzinfo=UTC),  # Sun 02:30 CEST (the first 02:30)
            datetime(2031, 10, 26, 1, 30, tzinfo=UTC),  # Sun 02:30 CET (the second)
            datetime(2031, 10, 26, 22, 30, tzinfo=UTC),  # Sun 23:30 CET: still Sunday
            datetime(2031, 10, 26, 23, 30, tzinfo=UTC),  # Mon 00:30 CET: after the range
        ):
            await _booking(conn, guest, (service, 60, 100000), klara, at, "confirmed")
    report = await analytics.report(
        scope_of(talk), OWNER_STAFF, date(2031, 10, 25), date(2031, 10, 26)
    )
    t = report.totals
    assert t is not None
    assert report.timezone == "Europe/Berlin"
    assert [(d.day.day, d.bookings) for d in t.days] == [(25, 0), (26, 4)]
    assert t.hours == ((0, 1), (2, 2), (23, 1))
    assert t.revenue_kopecks == 400_000
    ((name, booked, opened),) = [(m.name, m.booked_min, m.open_min) for m in report.loads]
    assert (name, booked, opened) == ("Клара", 240, 120 + 7 * 60)


async def test_typed_ranges_are_read_or_refused() -> None:
    today = date(2031, 6, 2)
    assert analytics.parse_range("1.06-30.06", today=today) == (date(2031, 6, 1), date(2031, 6, 30))
    assert analytics.parse_range(" 1/6 – 3/6 ", today=today) == (date(2031, 6, 1), date(2031, 6, 3))
    assert analytics.parse_range("20.12-10.01", today=today) == (
        date(2031, 12, 20),
        date(2032, 1, 10),
    )
    assert analytics.parse_range("1.06.30-2.06.30", today=today) == (
        date(2030, 6, 1),
        date(2030, 6, 2),
    )
    for text, reason in (
        ("июнь", "format"),
        ("1.06", "format"),
        ("32.01-2.02", "date"),
        ("1.13-2.13", "date"),
        ("30.06.2031-1.06.2031", "order"),
        ("1.01.2031-31.12.2032", "long"),
    ):
        with pytest.raises(RangeError) as caught:
            analytics.parse_range(text, today=today)
        assert caught.value.reason == reason, text
    assert analytics.presets(date(2031, 2, 12)) == {
        "day": (date(2031, 2, 12), date(2031, 2, 12)),
        "week": (date(2031, 2, 10), date(2031, 2, 16)),
        "month": (date(2031, 2, 1), date(2031, 2, 28)),
    }
