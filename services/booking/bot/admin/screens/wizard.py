"""The setup wizard's screens, one per step; every one offers «Продолжить позже» (the admin home),
and the owner resumes at the same step from /start, /admin or the home's «Настройка»."""

from __future__ import annotations

from typing import Literal

from aiogram.types import InlineKeyboardButton

from services.booking.bot.admin.callbacks import Nav, Svc
from services.booking.bot.admin.owner_callbacks import WizAct, WizHours, WizStep, WizSvc, WizType
from services.booking.bot.screens.common import Screen, Words, button, esc
from services.booking.use_cases.owner.ports import STEPS, BusinessType, Step
from services.booking.use_cases.owner.wizard import WizardView

TYPES: tuple[BusinessType, ...] = ("salon", "barber", "clinic", "other")
PRESETS: tuple[Literal["weekdays", "six", "daily"], ...] = ("weekdays", "six", "daily")
PREV: dict[Step, Step] = {
    "services": "type",
    "master": "services",
    "hours": "master",
    "address": "hours",
    "phone": "address",
}


def _later(w: Words) -> list[InlineKeyboardButton]:
    return [button(w("admin.wizard.later"), Nav(to="home").pack())]


def _nav(w: Words, step: Step, *, can_go_on: bool) -> list[list[InlineKeyboardButton]]:
    row = []
    if step in PREV:
        row.append(button(w("admin.wizard.back"), WizStep(to=PREV[step]).pack()))
    if can_go_on:
        following = STEPS[STEPS.index(step) + 1]
        row.append(button(w("admin.wizard.next"), WizStep(to=following).pack()))
    return [row, _later(w)] if row else [_later(w)]


def _head(w: Words, step: Step) -> str:
    return w("admin.wizard.head", n=STEPS.index(step) + 1, total=len(STEPS) - 1)


def screen(w: Words, view: WizardView, *, notice: str = "") -> Screen:
    """The screen of the step the wizard stands at."""
    step = view.opening.step
    body = {
        "type": _type,
        "services": _services,
        "master": _master,
        "hours": _hours,
        "address": _address,
        "phone": _phone,
        "done": _done,
    }[step](w, view)
    return Screen(f"{notice}\n\n{body.text}" if notice else body.text, body.rows)


def greeting(w: Words, view: WizardView) -> Screen:
    """What the owner sees first (on /start or /admin) while the setup is not finished."""
    hello = w("admin.wizard.hello", name=esc(view.opening.name))
    return screen(w, view, notice=hello)


def _type(w: Words, view: WizardView) -> Screen:
    rows = [
        [button(w(f"admin.wizard.type.{k}"), WizType(k=k).pack()) for k in TYPES[:2]],
        [button(w(f"admin.wizard.type.{k}"), WizType(k=k).pack()) for k in TYPES[2:]],
    ]
    can_go_on = bool(view.catalog)
    return Screen(
        f"{_head(w, 'type')}\n{w('admin.wizard.type_text')}",
        [*rows, *_nav(w, "type", can_go_on=can_go_on)],
    )


def _services(w: Words, view: WizardView) -> Screen:
    rows = [
        [
            button(
                w(
                    "admin.wizard.service_on" if s.on else "admin.wizard.service_off",
                    name=s.name,
                    price=w.money(s.price_kopecks),
                    duration=w.duration(s.duration_min),
                ),
                WizSvc(s=s.id).pack(),
            ),
            button(w("admin.wizard.edit"), Svc(a="v", s=s.id).pack()),
        ]
        for s in view.catalog
    ]
    rows.append([button(w("admin.wizard.own"), WizAct(a="own").pack())])
    on = any(s.on for s in view.catalog)
    return Screen(
        f"{_head(w, 'services')}\n{w('admin.wizard.services_text')}",
        [*rows, *_nav(w, "services", can_go_on=on)],
    )


def _master(w: Words, view: WizardView) -> Screen:
    rows = [
        [button(w("admin.wizard.me"), WizAct(a="me").pack())],
        [button(w("admin.wizard.other"), WizAct(a="other").pack())],
    ]
    text = w("admin.wizard.master_text")
    if view.masters:
        text += "\n\n" + w("admin.wizard.masters_have", n=view.masters)
    return Screen(
        f"{_head(w, 'master')}\n{text}", [*rows, *_nav(w, "master", can_go_on=view.masters > 0)]
    )


def _hours(w: Words, view: WizardView) -> Screen:
    rows = [[button(w(f"admin.wizard.hours.{p}"), WizHours(p=p).pack())] for p in PRESETS]
    rows.append([button(w("admin.wizard.hours_own"), WizAct(a="hours").pack())])
    return Screen(
        f"{_head(w, 'hours')}\n{w('admin.wizard.hours_text')}",
        [*rows, *_nav(w, "hours", can_go_on=view.opening.ready)],
    )


def _address(w: Words, _view: WizardView) -> Screen:
    text = w("admin.wizard.address_text")
    rows = [[button(w("admin.wizard.skip"), WizAct(a="skip").pack())]]
    return Screen(f"{_head(w, 'address')}\n{text}", [*rows, *_nav(w, "address", can_go_on=False)])


def _phone(w: Words, _view: WizardView) -> Screen:
    text = w("admin.wizard.phone_text")
    rows = [[button(w("admin.wizard.skip"), WizAct(a="skip").pack())]]
    return Screen(f"{_head(w, 'phone')}\n{text}", [*rows, *_nav(w, "phone", can_go_on=False)])


def _done(w: Words, view: WizardView) -> Screen:
    text = w("admin.wizard.done_text", name=esc(view.opening.name))
    if not view.opening.ready:
        text += "\n\n" + w("admin.wizard.not_open_yet")
    rows = [
        [button(w("admin.button.home"), Nav(to="home").pack())],
        [button(w("admin.wizard.again"), WizAct(a="again").pack())],
    ]
    return Screen(text, rows)


def asked(w: Words, key: str, back_to: Step) -> Screen:
    """A typed question of the wizard; «‹ Назад» returns to its step."""
    return Screen(w(key), [[button(w("admin.wizard.back"), WizStep(to=back_to).pack())]])
