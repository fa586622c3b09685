"""«Предоплата» screens: the shop, the hold time, each service's prepayment."""

from __future__ import annotations

from services.booking.bot.admin.callbacks import Nav
from services.booking.bot.admin.prepay_callbacks import PrepayNav
from services.booking.bot.screens.common import Screen, Words, button, esc
from services.booking.use_cases.prepay.owner import HOLD_CHOICES, PrepayView
from services.booking.use_cases.prepay.ports import ServicePrepay


def mode_text(w: Words, service: ServicePrepay) -> str:
    if service.mode == "deposit":
        return w("admin.prepay.mode.deposit", amount=w.money(service.prepay_kopecks))
    return w(f"admin.prepay.mode.{service.mode}")


def home(w: Words, view: PrepayView, *, webhook_url: str, notice: str = "") -> Screen:
    shop = view.shop
    lines = [w("admin.prepay.title")]
    if notice:
        lines.insert(0, notice + "\n")
    if shop.shop_id:
        lines.append(w("admin.prepay.connected", shop=esc(shop.shop_id)))
        lines.append(w("admin.prepay.webhook", url=esc(webhook_url)))
    else:
        lines.append(w("admin.prepay.not_connected"))
    lines.append(w("admin.prepay.hold", minutes=shop.hold_min))
    if view.services:
        lines.append(w("admin.prepay.services"))
        lines += [
            w(
                "admin.prepay.service_line",
                name=esc(s.name),
                price=w.money(s.price_kopecks),
                mode=mode_text(w, s),
            )
            for s in view.services
        ]
    rows = []
    if shop.shop_id:
        rows.append([button(w("admin.prepay.disconnect"), PrepayNav(a="off").pack())])
    else:
        rows.append([button(w("admin.prepay.connect"), PrepayNav(a="on").pack())])
    rows.append(
        [
            button(
                ("✓ " if minutes == shop.hold_min else "")
                + w("admin.prepay.hold_button", minutes=minutes),
                PrepayNav(a="hold", m=minutes).pack(),
            )
            for minutes in HOLD_CHOICES
        ]
    )
    rows += [
        [button(f"{s.name}: {mode_text(w, s)}", PrepayNav(a="svc", s=s.service_id).pack())]
        for s in view.services
    ]
    rows.append([button(w("button.back"), Nav(to="home").pack())])
    return Screen("\n".join(lines), rows)


def service(w: Words, item: ServicePrepay) -> Screen:
    text = w(
        "admin.prepay.service_title",
        name=esc(item.name),
        price=w.money(item.price_kopecks),
        mode=mode_text(w, item),
    )
    sid = item.service_id
    rows = [
        [button(w("admin.prepay.set_none"), PrepayNav(a="none", s=sid).pack())],
        [button(w("admin.prepay.set_deposit"), PrepayNav(a="dep", s=sid).pack())],
        [button(w("admin.prepay.set_full"), PrepayNav(a="full", s=sid).pack())],
        [button(w("button.back"), PrepayNav(a="v").pack())],
    ]
    return Screen(text, rows)


def ask(w: Words, key: str, **values: object) -> Screen:
    return Screen(w(key, **values), [[button(w("admin.prepay.cancel"), PrepayNav(a="v").pack())]])
