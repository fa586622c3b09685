"""Callback data of the owner's setup wizard, language/zone and reviews screens. Prefixes start
with `az` (admin, so the gate checks staff on every press); every value is re-checked by the
use cases (the role, that the service exists, the page range).

| prefix | class      | fields | buttons                                             | max bytes |
|--------|------------|--------|-----------------------------------------------------|-----------|
| `azt`  | `WizType`  | k      | business type: salon, barber, clinic, other         | 10        |
| `azs`  | `WizSvc`   | s      | a suggested or own service on/off                   | 14        |
| `azg`  | `WizStep`  | to     | go to a step (back, next, resume)                   | 12        |
| `aza`  | `WizAct`   | a      | own service, me, someone else, own hours, skip, again | 14      |
| `azh`  | `WizHours` | p      | a weekly hours preset                               | 12        |
| `azl`  | `Lang`     | a, z   | language and zone screen, a language, a zone        | 12        |
| `azr`  | `Reviews`  | p      | a page of reviews                                   | 10        |
| `azd`  | `RevDelay` | —      | change the review-request delay                     | 3         |
"""

from __future__ import annotations

from typing import Annotated, Literal

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

Id = Annotated[int, Field(ge=1, le=2_147_483_647)]
ZoneIndex = Annotated[int, Field(ge=0, le=99)]
Page = Annotated[int, Field(ge=0, le=10_000)]


class WizType(CallbackData, prefix="azt"):
    k: Literal["salon", "barber", "clinic", "other"]


class WizSvc(CallbackData, prefix="azs"):
    s: Id


class WizStep(CallbackData, prefix="azg"):
    to: Literal["type", "services", "master", "hours", "address", "phone", "done", "now"]


class WizAct(CallbackData, prefix="aza"):
    a: Literal["own", "me", "other", "hours", "skip", "again"]


class WizHours(CallbackData, prefix="azh"):
    p: Literal["weekdays", "six", "daily"]


class Lang(CallbackData, prefix="azl"):
    a: Literal["v", "ru", "en", "zones", "zone", "type"]
    z: ZoneIndex = 0


class Reviews(CallbackData, prefix="azr"):
    p: Page = 0


class RevDelay(CallbackData, prefix="azd"):
    pass


OWNER_PREFIXES = frozenset(
    cls.__prefix__ for cls in (WizType, WizSvc, WizStep, WizAct, WizHours, Lang, Reviews, RevDelay)
)
