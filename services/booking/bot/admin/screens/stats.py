"""«📊 Аналитика»: the period menu, the summary, the chart's words and the CSV of a report."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date

from services.booking.bot.admin.callbacks import Nav, day_code
from services.booking.bot.admin.charts import ChartWords
from services.booking.bot.admin.stats_callbacks import Stats
from services.booking.bot.screens.common import Screen, Words, button, esc
from services.booking.use_cases.admin.analytics import Report, Totals

_RISKY = ("=", "+", "-", "@", "\t", "\r")
_TOP_SOURCES = 8  # in the message; the CSV has them all


def _range(w: Words, first: date, last: date) -> str:
    if first == last:
        return w.day(first)
    return w("admin.stats.range", first=w.day(first), last=w.day(last), year=last.year)


def _data(a: str, first: date, last: date) -> str:
    return Stats(a=a, f=day_code(first), t=day_code(last)).pack()  # type: ignore[arg-type]


def menu(w: Words, presets: dict[str, tuple[date, date]]) -> Screen:
    rows = [
        [button(w(f"admin.stats.{name}"), _data("v", *span)) for name, span in presets.items()],
        [button(w("admin.stats.custom"), Stats(a="ask", f=0, t=0).pack())],
        [button(w("admin.stats.back_home"), Nav(to="home").pack())],
    ]
    return Screen(w("admin.stats.menu"), rows)


def ask_range(w: Words) -> Screen:
    return Screen(w("admin.stats.ask"), [[button(w("admin.stats.back"), _back())]])


def _back() -> str:
    return Stats(a="m", f=0, t=0).pack()


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def _totals(w: Words, t: Totals) -> list[str]:
    lines = [
        w("admin.stats.bookings", n=t.bookings, done=t.completed, ahead=t.confirmed),
        w(
            "admin.stats.cancelled",
            n=t.cancelled,
            customer=t.cancelled_by_customer,
            staff=t.cancelled_by_staff,
            system=t.cancelled_by_system,
        ),
        w("admin.stats.no_shows", n=t.no_shows),
        w("admin.stats.revenue", sum=w.money(t.revenue_kopecks)),
        w("admin.stats.customers", new=t.new_customers, back=t.returning_customers),
    ]
    if t.sources:
        parts = [
            f"{esc(name) if name else w('admin.stats.no_source')} {n}"
            for name, n in t.sources[:_TOP_SOURCES]
        ]
        if len(t.sources) > _TOP_SOURCES:
            parts.append("…")
        lines.append(w("admin.stats.sources", list=", ".join(parts)))
    if t.rating is None:
        lines.append(w("admin.stats.no_rating"))
    else:
        lines.append(w("admin.stats.rating", avg=f"{t.rating:.1f}", n=t.reviews))
    if t.hours:
        top = sorted(t.hours, key=lambda item: (-item[1], item[0]))[:3]
        lines.append(w("admin.stats.busiest", list=", ".join(f"{h:02d}:00 ({n})" for h, n in top)))
        peak = max(n for _, n in t.hours)
        bars = [f"{h:02d} {'█' * round(8 * n / peak):<8} {n}" for h, n in t.hours]
        lines.append("<pre>" + "\n".join(bars) + "</pre>")
    return lines


def summary(w: Words, report: Report) -> Screen:
    lines = [w("admin.stats.title", range=_range(w, report.first, report.last))]
    if report.totals is not None:
        lines.extend(_totals(w, report.totals))
    lines.append(w("admin.stats.load_title"))
    if not report.loads:
        lines.append(w("admin.stats.no_masters"))
    lines.extend(
        w(
            "admin.stats.load",
            name=esc(m.name),
            booked=w.duration(m.booked_min) if m.booked_min else "0",
            open=w.duration(m.open_min) if m.open_min else "0",
            share=_share(m.booked_min, m.open_min),
        )
        for m in report.loads
    )
    rows = []
    if report.totals is not None:
        rows.append(
            [
                button(w("admin.stats.chart"), _data("png", report.first, report.last)),
                button(w("admin.stats.csv"), _data("csv", report.first, report.last)),
            ]
        )
    rows.append([button(w("admin.stats.back"), _back())])
    return Screen("\n".join(lines), rows)


def chart_words(w: Words, report: Report) -> ChartWords:
    return ChartWords(
        title=w("admin.stats.chart_title", range=_range(w, report.first, report.last)),
        trend=w("admin.stats.chart_trend"),
        booked=w("admin.stats.chart_booked"),
        cancelled=w("admin.stats.chart_cancelled"),
        no_shows=w("admin.stats.chart_no_shows"),
        load=w("admin.stats.chart_load"),
        percent=w("admin.stats.chart_percent"),
    )


def _cell(value: object) -> str:
    """A cell as text; one that Excel would take for a formula gets a leading apostrophe."""
    text = str(value)
    return "'" + text if text.startswith(_RISKY) else text


def csv_bytes(w: Words, report: Report) -> bytes:
    """UTF-8 with a BOM (Excel then reads Cyrillic right); sections separated by a blank row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def rows(*lines: Sequence[object]) -> None:
        writer.writerows([[_cell(v) for v in line] for line in lines])

    rows(["period", report.first.isoformat(), report.last.isoformat(), report.timezone])
    t = report.totals
    if t is not None:
        rows(
            [],
            ["metric", "value"],
            ["bookings", t.bookings],
            ["completed", t.completed],
            ["confirmed", t.confirmed],
            ["no_shows", t.no_shows],
            ["cancelled_by_customer", t.cancelled_by_customer],
            ["cancelled_by_staff", t.cancelled_by_staff],
            ["cancelled_by_system", t.cancelled_by_system],
            ["revenue_rub", f"{t.revenue_kopecks / 100:.2f}"],
            ["new_customers", t.new_customers],
            ["returning_customers", t.returning_customers],
            ["rating", "" if t.rating is None else f"{t.rating:.2f}"],
            ["reviews", t.reviews],
            [],
            ["day", "bookings", "cancelled", "no_shows", "revenue_rub"],
        )
        rows(
            *[
                [
                    d.day.isoformat(),
                    d.bookings,
                    d.cancelled,
                    d.no_shows,
                    f"{d.revenue_kopecks / 100:.2f}",
                ]
                for d in t.days
            ]
        )
        rows([], ["source", "customers"])
        rows(*[[name or w("admin.stats.no_source"), n] for name, n in t.sources])
        rows([], ["hour", "bookings"])
        rows(*[[f"{h:02d}:00", n] for h, n in t.hours])
    rows([], ["master", "booked_min", "open_min", "load_percent"])
    rows(
        *[
            [m.name, m.booked_min, m.open_min, "" if m.percent is None else m.percent]
            for m in report.loads
        ]
    )
    return out.getvalue().encode("utf-8-sig")


def file_name(report: Report, ext: str) -> str:
    return f"stats-{report.first.isoformat()}-{report.last.isoformat()}.{ext}"
