"""The owner's language and time zone screen, and the reviews list with its averages."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from services.booking.bot.admin.callbacks import Nav
from services.booking.bot.admin.owner_callbacks import Lang, RevDelay, Reviews
from services.booking.bot.admin.screens.parts import home_row
from services.booking.bot.screens.common import Screen, Words, button, esc
from services.booking.use_cases.owner.language import ZONES, LanguageView, ZoneChange
from services.booking.use_cases.owner.ports import Average
from services.booking.use_cases.owner.reviews import ReviewsView

ZONES_PER_ROW = 2
MAX_COMMENT = 300


def language(w: Words, view: LanguageView, *, notice: str = "") -> Screen:
    text = w(
        "admin.lang.title",
        language=w(f"admin.lang.name.{view.locale}"),
        zone=esc(view.timezone),
    )
    rows = [
        [
            button(("• " if view.locale == code else "") + w(f"admin.lang.name.{code}"), data)
            for code, data in (("ru", Lang(a="ru").pack()), ("en", Lang(a="en").pack()))
        ],
        [button(w("admin.lang.change_zone"), Lang(a="zones").pack())],
        home_row(w),
    ]
    return Screen(f"{notice}\n\n{text}" if notice else text, rows)


def zones(w: Words) -> Screen:
    buttons = [button(name, Lang(a="zone", z=i + 1).pack()) for i, name in enumerate(ZONES)]
    rows = [buttons[i : i + ZONES_PER_ROW] for i in range(0, len(buttons), ZONES_PER_ROW)]
    rows.append([button(w("admin.lang.type_zone"), Lang(a="type").pack())])
    rows.append([w.back(Lang(a="v").pack())])
    return Screen(w("admin.lang.zones_title"), rows)


def ask_zone(w: Words) -> Screen:
    return Screen(w("admin.lang.ask_zone"), [[w.back(Lang(a="zones").pack())]])


def zone_changed(w: Words, change: ZoneChange) -> str:
    """Says that the bookings kept their moment, with the next one in both zones."""
    lines = [w("admin.lang.zone_changed", old=esc(change.old), new=esc(change.new))]
    if change.next_start is not None:
        lines.append(
            w(
                "admin.lang.zone_kept",
                n=change.upcoming,
                old_when=w.when(change.next_start, change.old),
                new_when=w.when(change.next_start, change.new),
            )
        )
    else:
        lines.append(w("admin.lang.zone_no_bookings"))
    return "\n".join(lines)


def stars(value: float) -> str:
    whole = round(value)
    return "★" * whole + "☆" * (5 - whole)


def _average(w: Words, avg: Average) -> str:
    return w(
        "admin.reviews.average_line",
        label=esc(avg.label),
        stars=f"{avg.stars:.1f}",
        n=avg.count,
    )


def reviews(w: Words, view: ReviewsView, *, notice: str = "") -> Screen:
    if view.overall.count == 0:
        text = w("admin.reviews.none")
    else:
        parts = [
            w(
                "admin.reviews.overall",
                stars=f"{view.overall.stars:.1f}",
                n=view.overall.count,
            )
        ]
        if view.per_master:
            parts.append(w("admin.reviews.per_master"))
            parts += [_average(w, a) for a in view.per_master]
        parts.append("")
        for line in view.lines:
            local = line.visited_at.astimezone(ZoneInfo(view.timezone)).date()
            parts.append(
                w(
                    "admin.reviews.line",
                    stars=stars(line.stars),
                    day=w.day(local),
                    master=esc(line.master),
                    service=esc(line.service),
                    customer=esc(line.customer or w("admin.reviews.anonymous")),
                )
            )
            if line.comment:
                parts.append(w("admin.reviews.comment", comment=esc(line.comment[:MAX_COMMENT])))
        text = "\n".join(parts)
    text += "\n\n" + w(
        "admin.reviews.delay", delay=w.duration(view.delay_min) if view.delay_min else "0"
    )
    pages = []
    if view.page > 0:
        pages.append(button("‹", Reviews(p=view.page - 1).pack()))
    if view.more:
        pages.append(button("›", Reviews(p=view.page + 1).pack()))
    rows = [pages] if pages else []
    rows.append([button(w("admin.reviews.change_delay"), RevDelay().pack())])
    rows.append([button(w("admin.button.home"), Nav(to="home").pack())])
    return Screen(f"{notice}\n\n{text}" if notice else text, rows)


def ask_delay(w: Words) -> Screen:
    return Screen(w("admin.reviews.ask_delay"), [[w.back(Reviews(p=0).pack())]])
