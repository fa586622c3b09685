"""The owner's texts: the list, one text in one language, the question, the preview, the reset.

Screens are worded in the owner's language (`w`); the text itself, its shipped wording and the
preview's sample values are in the language being edited (`theirs`).
"""

from __future__ import annotations

from collections.abc import Mapping

from services.booking.bot.admin.callbacks import Nav
from services.booking.bot.admin.text_callbacks import Txt
from services.booking.bot.screens.common import Screen, Words, button, esc
from services.booking.use_cases.custom_texts import ALLOWED, KINDS, LANGUAGES, Kind
from services.booking.use_cases.owner.texts import Overview, TextView
from shared.text_templates import TELEGRAM_LIMIT, render

SHOWN_CHARS = 3000  # of a long text on the text's own screen (the whole text is kept)
SAMPLE_FIELDS = ("name", "service", "master", "time", "address", "phone", "business")
LATER = ("reminder", "review")  # sent by notifier


def theirs(w: Words, locale: str) -> Words:
    return Words(w.catalog, locale)


def sample(w: Words, locale: str, kind: str) -> dict[str, str]:
    """What a preview puts in place of each placeholder (the business's own name, address and
    phone replace theirs where the business has them). Notifier writes {time} its own way."""
    other = theirs(w, locale)
    values = {name: other(f"admin.texts.sample.{name}") for name in SAMPLE_FIELDS}
    if kind in LATER:
        values["time"] = other("admin.texts.sample.time_later")
    return values


def _kind_name(w: Words, kind: str) -> str:
    return w(f"admin.texts.kind.{kind}")


def texts_list(w: Words, found: Overview, *, notice: str = "") -> Screen:
    rows = []
    for kind in KINDS:
        mark = "✏️ " if any((kind, code) in found.custom for code in LANGUAGES) else ""
        rows.append(
            [button(mark + _kind_name(w, kind), Txt(a="view", k=kind, l=found.locale).pack())]
        )
    rows.append([w.back(Nav(to="home").pack())])
    text = w("admin.texts.title")
    return Screen(f"{notice}\n\n{text}" if notice else text, rows)


def _placeholders(w: Words, kind: Kind) -> str:
    return "\n".join(
        w("admin.texts.placeholder", field="{" + name + "}", meaning=w(f"admin.texts.means.{name}"))
        for name in ALLOWED[kind]
    )


def _quoted(body: str) -> str:
    shown = body if len(body) <= SHOWN_CHARS else body[:SHOWN_CHARS] + "…"
    return f"<blockquote>{esc(shown)}</blockquote>"


def text_screen(w: Words, view: TextView, *, notice: str = "") -> Screen:
    kind, locale = view.kind, view.locale
    other = theirs(w, locale)
    state = "admin.texts.now_custom" if view.body else "admin.texts.now_default"
    body = view.body or other(f"admin.texts.default.{kind}")
    parts = [
        w(
            "admin.texts.text_title",
            kind=_kind_name(w, kind),
            language=w(f"admin.lang.name.{locale}"),
        ),
        w(f"admin.texts.about.{kind}"),
        w(state) + "\n" + _quoted(body),
        w("admin.texts.placeholders") + "\n" + _placeholders(w, kind),
    ]
    if notice:
        parts.insert(0, notice)
    rows = [[button(w("admin.texts.edit"), Txt(a="edit", k=kind, l=locale).pack())]]
    if view.body:
        rows.append([button(w("admin.texts.reset"), Txt(a="reset", k=kind, l=locale).pack())])
    rows.append(
        [
            button(w(f"admin.lang.name.{code}"), Txt(a="view", k=kind, l=code).pack())
            for code in LANGUAGES
            if code != locale
        ]
    )
    rows.append([w.back(Txt(a="list").pack())])
    return Screen("\n\n".join(parts), rows)


def ask_text(w: Words, view: TextView) -> Screen:
    text = w(
        "admin.texts.ask",
        kind=_kind_name(w, view.kind),
        language=w(f"admin.lang.name.{view.locale}"),
    )
    text += "\n\n" + w("admin.texts.placeholders") + "\n" + _placeholders(w, view.kind)
    return Screen(text, [[w.back(Txt(a="view", k=view.kind, l=view.locale).pack())]])


def preview(w: Words, view: TextView) -> Screen:
    """The draft as the customer would see it, sample values in place of the placeholders."""
    rendered = render(view.body, view.values) or ""
    head = w("admin.texts.preview", note=w(f"admin.texts.note.{view.kind}"))
    plain = view.body.format_map(_Values(view.values))
    text = rendered if len(head) + len(plain) + 2 > TELEGRAM_LIMIT else f"{head}\n\n{rendered}"
    kind, locale = view.kind, view.locale
    return Screen(
        text,
        [
            [button(w("admin.texts.save"), Txt(a="save", k=kind, l=locale).pack())],
            [button(w("admin.texts.edit_again"), Txt(a="edit", k=kind, l=locale).pack())],
            [button(w("admin.texts.discard"), Txt(a="view", k=kind, l=locale).pack())],
        ],
    )


def confirm_reset(w: Words, view: TextView) -> Screen:
    kind, locale = view.kind, view.locale
    text = w(
        "admin.texts.reset_sure",
        kind=_kind_name(w, kind),
        language=w(f"admin.lang.name.{locale}"),
        default=_quoted(theirs(w, locale)(f"admin.texts.default.{kind}")),
    )
    return Screen(
        text,
        [
            [button(w("admin.texts.reset_yes"), Txt(a="sure", k=kind, l=locale).pack())],
            [w.back(Txt(a="view", k=kind, l=locale).pack())],
        ],
    )


class _Values(dict[str, str]):
    """Placeholder values for measuring a text; a missing one counts as empty."""

    def __init__(self, values: Mapping[str, str]) -> None:
        super().__init__(values)

    def __missing__(self, key: str) -> str:
        return ""
