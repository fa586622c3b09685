"""Callback data of the owner's texts screens (`texts`). Same rules as `callbacks`: at most 64
bytes, never trusted (the use cases re-check the owner, the kind and the language); the prefix
is `tx` (this feature's own, registered in `callbacks.is_admin_data`). A draft's text is not
on the button: it stays in the FSM data until «Сохранить».

| prefix | class  | fields  | buttons                                                 | max bytes |
|--------|--------|---------|---------------------------------------------------------|-----------|
| `tx`   | `Txt`  | a, k, l | the list; a text: open, edit, save the draft, reset, sure | 27      |
"""

from __future__ import annotations

from typing import Literal

from aiogram.filters.callback_data import CallbackData

from services.booking.use_cases.custom_texts import Language


class Txt(CallbackData, prefix="tx"):
    a: Literal["list", "view", "edit", "save", "reset", "sure"] = "list"
    k: Literal["", "greeting", "about", "confirmation", "reminder", "review"] = ""
    l: Language = "ru"  # noqa: E741 - one letter keeps the button short


PREFIXES = frozenset({Txt.__prefix__})
