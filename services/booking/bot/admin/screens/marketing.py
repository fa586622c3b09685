"""The screens of broadcasts and win-back settings."""

from __future__ import annotations

from services.booking.bot.admin.marketing_callbacks import Bcast, Winback
from services.booking.bot.admin.screens.parts import home_row, with_notice
from services.booking.bot.screens.common import Screen, Words, button, esc
from services.booking.use_cases.admin.broadcasts import DAY_CHOICES, Draft, Preview
from services.booking.use_cases.admin.marketing_ports import AudienceKind, ServiceWinback
from services.booking.use_cases.admin.winback import DAY_CHOICES as WINBACK_DAYS

MENU = Bcast(a="menu").pack()


def menu(w: Words, notice: str = "") -> Screen:
    rows = [
        [button(w("admin.bcast.new"), Bcast(a="new").pack())],
        [button(w("admin.winback.button"), Winback().pack())],
        home_row(w),
    ]
    return with_notice(Screen(w("admin.bcast.menu"), rows), notice)


def ask_text(w: Words) -> Screen:
    return Screen(w("admin.bcast.ask_text"), [[w.back(MENU)]])


def ask_button(w: Words) -> Screen:
    rows = [
        [
            button(w("admin.bcast.button_yes"), Bcast(a="btn", v=1).pack()),
            button(w("admin.bcast.button_no"), Bcast(a="btn", v=0).pack()),
        ],
        [w.back(MENU)],
    ]
    return Screen(w("admin.bcast.ask_button"), rows)


def audiences(w: Words) -> Screen:
    rows = [
        [button(w("admin.bcast.aud.all"), Bcast(a="show", k="all").pack())],
        [button(w("admin.bcast.aud.recent"), Bcast(a="days", k="recent").pack())],
        [button(w("admin.bcast.aud.lapsed"), Bcast(a="days", k="lapsed").pack())],
        [
            button(w("admin.bcast.aud.master"), Bcast(a="pick", k="master").pack()),
            button(w("admin.bcast.aud.service"), Bcast(a="pick", k="service").pack()),
        ],
        [w.back(MENU)],
    ]
    return Screen(w("admin.bcast.ask_audience"), rows)


def days(w: Words, kind: AudienceKind) -> Screen:
    row = [
        button(w("admin.bcast.days_n", n=n), Bcast(a="show", k=kind, v=n).pack())
        for n in DAY_CHOICES
    ]
    back = Bcast(a="aud").pack()
    return Screen(w(f"admin.bcast.ask_days.{kind}"), [row[:3], row[3:], [w.back(back)]])


def pick(w: Words, kind: AudienceKind, options: list[tuple[int, str]]) -> Screen:
    rows = [[button(esc(name), Bcast(a="show", k=kind, v=id_).pack())] for id_, name in options]
    rows.append([w.back(Bcast(a="aud").pack())])
    return Screen(w(f"admin.bcast.ask_pick.{kind}"), rows)


def audience_line(w: Words, preview: Preview) -> str:
    a = preview.audience
    return w(f"admin.bcast.who.{a.kind}", n=a.value, name=esc(preview.label))


def preview(w: Words, draft: Draft, found: Preview) -> Screen:
    extras = []
    if draft.photo:
        extras.append(w("admin.bcast.with_photo"))
    if draft.book_button:
        extras.append(w("admin.bcast.with_button"))
    text = w(
        "admin.bcast.preview",
        message=draft.text or "—",
        extras="\n".join(extras),
        who=audience_line(w, found),
        count=found.count,
    )
    rows = []
    a = found.audience
    if found.count:
        go = Bcast(a="go", k=a.kind, v=a.value).pack()
        rows.append([button(w("admin.bcast.send", count=found.count), go)])
    else:
        text += "\n\n" + w("admin.bcast.nobody")
    rows.append([button(w("admin.bcast.change_audience"), Bcast(a="aud").pack())])
    rows.append([button(w("admin.bcast.drop"), MENU)])
    return Screen(text, rows)


def started(w: Words, found: Preview) -> Screen:
    text = w("admin.bcast.started", count=found.count, who=audience_line(w, found))
    return Screen(text, [[w.back(MENU)], home_row(w)])


def winback_list(w: Words, services: list[ServiceWinback], notice: str = "") -> Screen:
    rows = [
        [
            button(
                w("admin.winback.line_on", name=esc(s.name), n=s.days)
                if s.days
                else w("admin.winback.line_off", name=esc(s.name)),
                Winback(s=s.id).pack(),
            )
        ]
        for s in services
    ]
    rows.append([w.back(MENU)])
    return with_notice(Screen(w("admin.winback.title"), rows), notice)


def winback_choices(w: Words, service: ServiceWinback) -> Screen:
    current = (
        w("admin.winback.now_on", n=service.days) if service.days else w("admin.winback.now_off")
    )
    options = [
        button(w("admin.bcast.days_n", n=n), Winback(s=service.id, d=n).pack())
        for n in WINBACK_DAYS
    ]
    rows = [
        options[:3],
        options[3:],
        [button(w("admin.winback.off"), Winback(s=service.id, d=0).pack())],
        [w.back(Winback().pack())],
    ]
    text = w("admin.winback.ask", name=esc(service.name), current=current)
    return Screen(text, rows)
