"""Hypothesis strategies for Telegram updates and callback data, well-formed and not.

A *well-formed* update is one aiogram's `Update` model accepts (unknown fields included, as
Telegram adds fields over time); a *malformed* one has a value of the wrong type somewhere.
Senders come from a pool of users who have started the bot in the emulator (Telegram never
delivers an update from someone the bot cannot answer), so a reply that fails is the
product's failure, not the harness's.
"""

from __future__ import annotations

import re
import string
from typing import Any

from hypothesis import strategies as st

JSON = Any

# Strings as Telegram users type them: any Unicode but lone surrogates (not encodable in
# JSON's UTF-8), sometimes very long (Telegram allows 4096 characters in a message).
_chars = st.characters(exclude_categories=("Cs",))
text = st.one_of(
    st.text(_chars, max_size=40),
    st.text(_chars, max_size=40),
    st.text(_chars, max_size=40),
    st.text(_chars, min_size=500, max_size=4200),
    st.sampled_from(
        ["", " ", "\u202e", "<b>", "</a>", "&amp;", "\x00", "🙂" * 300, "Анна & Co <b>"]
    ),
)
commands = st.sampled_from(
    ["/start", "/admin", "/my", "/book", "/cancel", "/help", "/about", "/unknown", "/start@x"]
)
message_text = st.one_of(
    text,
    commands,
    st.builds(lambda c, t: f"{c} {t}", commands, text),
    # shaped like a BotFather token: the sales bot's token step, and its "secret" handling
    st.builds(
        lambda n, s: f"{n}:{s}",
        st.integers(1, 10**10),
        st.text(string.ascii_letters + string.digits + "_-", min_size=30, max_size=40),
    ),
)
any_int = st.one_of(
    st.integers(-(2**31), 2**31),
    st.integers(-(2**63), 2**63),
    st.sampled_from([0, -1, 1, 2**31 - 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 10**20]),
)
languages = st.one_of(st.none(), st.sampled_from(["ru", "en", "uk", "zz", "", "pt-br"]), text)
unknown_fields = st.dictionaries(
    st.text(string.ascii_lowercase + "_", min_size=1, max_size=12).map(lambda k: f"x_{k}"),
    st.recursive(
        st.one_of(st.none(), st.booleans(), any_int, text),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
        max_leaves=5,
    ),
    max_size=3,
)


def _with_unknown(draw: st.DrawFn, obj: dict[str, JSON]) -> dict[str, JSON]:
    obj.update(draw(unknown_fields))
    return obj


@st.composite
def users(draw: st.DrawFn, pool: list[int]) -> dict[str, JSON]:
    user: dict[str, JSON] = {
        "id": draw(st.sampled_from(pool)),
        "is_bot": False,
        "first_name": draw(text),
    }
    if draw(st.booleans()):
        user["last_name"] = draw(text)
    if draw(st.booleans()):
        user["username"] = draw(st.text(string.ascii_letters + "_", max_size=32))
    language = draw(languages)
    if language is not None:
        user["language_code"] = language
    return _with_unknown(draw, user)


def _chat(draw: st.DrawFn, user: dict[str, JSON], kind: str) -> dict[str, JSON]:
    if kind == "private":
        return {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    chat_id = draw(st.integers(-(10**13), -1))
    return {"id": chat_id, "type": kind, "title": draw(text)}


@st.composite
def messages(draw: st.DrawFn, pool: list[int], chat_kind: str = "private") -> dict[str, JSON]:
    user = draw(users(pool))
    message: dict[str, JSON] = {
        "message_id": draw(st.integers(1, 2**31 - 1)),
        "date": draw(st.integers(0, 2**32)),
        "chat": _chat(draw, user, chat_kind),
    }
    if chat_kind != "channel":
        message["from"] = user
    content = draw(
        st.sampled_from(["text", "text", "text", "contact", "own_contact", "sticker", "location"])
    )
    if content == "text":
        message["text"] = draw(message_text)
        if message["text"].startswith("/") and draw(st.booleans()):
            length = len(message["text"].split(" ", 1)[0].encode("utf-16-le")) // 2
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    elif content in {"contact", "own_contact"}:
        contact: dict[str, JSON] = {
            "phone_number": draw(st.one_of(text, st.from_regex(r"\+?[0-9]{5,15}", fullmatch=True))),
            "first_name": draw(text),
        }
        if content == "own_contact":
            contact["user_id"] = user["id"]
        elif draw(st.booleans()):
            contact["user_id"] = draw(any_int.filter(lambda n: -(2**63) <= n < 2**63))
        message["contact"] = contact
    elif content == "sticker":
        message["sticker"] = {
            "file_id": draw(text),
            "file_unique_id": "u",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
    else:
        message["location"] = {
            "latitude": draw(st.floats(-90, 90)),
            "longitude": draw(st.floats(-180, 180)),
        }
    return _with_unknown(draw, message)


@st.composite
def member_updates(draw: st.DrawFn, pool: list[int]) -> dict[str, JSON]:
    user = draw(users(pool))
    chat_kind = draw(st.sampled_from(["private", "group", "supergroup", "channel"]))
    statuses = ["member", "kicked", "left", "restricted", "administrator", "creator"]

    def member(status: str) -> dict[str, JSON]:
        body: dict[str, JSON] = {"user": user, "status": status}
        if status == "kicked":
            body["until_date"] = 0
        if status == "restricted":
            body.update(
                is_member=True,
                can_send_messages=False,
                can_send_audios=False,
                can_send_documents=False,
                can_send_photos=False,
                can_send_videos=False,
                can_send_video_notes=False,
                can_send_voice_notes=False,
                can_send_polls=False,
                can_send_other_messages=False,
                can_add_web_page_previews=False,
                can_change_info=False,
                can_invite_users=False,
                can_pin_messages=False,
                can_manage_topics=False,
                until_date=0,
            )
        if status in {"administrator", "creator"}:
            body["is_anonymous"] = False
        if status == "administrator":
            body.update(
                can_be_edited=False,
                can_manage_chat=True,
                can_delete_messages=False,
                can_manage_video_chats=False,
                can_restrict_members=False,
                can_promote_members=False,
                can_change_info=False,
                can_invite_users=False,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
            )
        return body

    return {
        "chat": _chat(draw, user, chat_kind),
        "from": user,
        "date": draw(st.integers(0, 2**32)),
        "old_chat_member": member(draw(st.sampled_from(statuses))),
        "new_chat_member": member(draw(st.sampled_from(statuses))),
    }


@st.composite
def update_bodies(draw: st.DrawFn, pool: list[int]) -> dict[str, JSON]:  # noqa: PLR0911 - one return per kind
    """One well-formed update of any kind but `callback_query` (which needs an open query in
    the emulator: see `callback_data`), without its `update_id`."""
    kind = draw(
        st.sampled_from(
            [
                "message",
                "message",
                "message",
                "group_message",
                "edited_message",
                "channel_post",
                "edited_channel_post",
                "my_chat_member",
                "chat_member",
                "inline_query",
                "chosen_inline_result",
                "pre_checkout_query",
                "shipping_query",
                "poll_answer",
                "chat_join_request",
                "unknown_kind",
            ]
        )
    )
    if kind == "message":
        return {"message": draw(messages(pool))}
    if kind == "group_message":
        chat_kind = draw(st.sampled_from(["group", "supergroup"]))
        return {"message": draw(messages(pool, chat_kind))}
    if kind == "edited_message":
        body = draw(messages(pool))
        body["edit_date"] = draw(st.integers(0, 2**32))
        return {"edited_message": body}
    if kind in {"channel_post", "edited_channel_post"}:
        return {kind: draw(messages(pool, "channel"))}
    if kind in {"my_chat_member", "chat_member"}:
        return {kind: draw(member_updates(pool))}
    user = draw(users(pool))
    if kind == "inline_query":
        return {"inline_query": {"id": draw(text), "from": user, "query": draw(text), "offset": ""}}
    if kind == "chosen_inline_result":
        return {"chosen_inline_result": {"result_id": "1", "from": user, "query": draw(text)}}
    if kind == "pre_checkout_query":
        return {
            "pre_checkout_query": {
                "id": draw(text),
                "from": user,
                "currency": draw(st.sampled_from(["RUB", "XTR", "ZZZ"])),
                "total_amount": draw(any_int.filter(lambda n: -(2**63) <= n < 2**63)),
                "invoice_payload": draw(text),
            }
        }
    if kind == "shipping_query":
        address = {
            "country_code": "RU",
            "state": "",
            "city": draw(text),
            "street_line1": draw(text),
            "street_line2": "",
            "post_code": "1",
        }
        return {
            "shipping_query": {
                "id": draw(text),
                "from": user,
                "invoice_payload": draw(text),
                "shipping_address": address,
            }
        }
    if kind == "poll_answer":
        return {"poll_answer": {"poll_id": draw(text), "user": user, "option_ids": [0]}}
    if kind == "chat_join_request":
        return {
            "chat_join_request": {
                "chat": _chat(draw, user, "supergroup"),
                "from": user,
                "user_chat_id": user["id"],
                "date": 0,
            }
        }
    # A kind Telegram may add one day: aiogram must ignore it.
    return {f"x_{draw(st.text(string.ascii_lowercase, min_size=1, max_size=10))}": {"id": 1}}


# Values no field of an update accepts in place of an int, a string, a bool or an object
# (so a mutation is surely malformed and never an id that merely points somewhere else).
_wrong_values = st.one_of(
    st.just({"zz": [1]}),
    st.lists(st.integers(), min_size=1, max_size=2),
    st.just({}),
    st.just([{}]),
)


def _paths(obj: JSON, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found: list[tuple[str | int, ...]] = []
    if isinstance(obj, dict):
        for key, value in obj.items():
            found.append((*prefix, key))
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            found.append((*prefix, index))
            found.extend(_paths(value, (*prefix, index)))
    return found


@st.composite
def malformed(draw: st.DrawFn, body: dict[str, JSON]) -> dict[str, JSON]:
    """`body` with one value (not a top-level kind) replaced by one of a wrong type."""
    paths = [p for p in _paths(body) if len(p) > 1]
    path = draw(st.sampled_from(paths))
    target: Any = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = draw(_wrong_values)
    return body


def utf8_cut(value: str, limit: int = 64) -> str:
    """`value` cut to at most `limit` UTF-8 bytes on a character boundary (Telegram's limit)."""
    return value.encode()[:limit].decode(errors="ignore")


_numbers = st.one_of(
    st.integers(-5, 50),
    st.integers(-(2**63), 2**63).map(str).map(int),
    st.sampled_from([0, -1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 10**20, 99_999_999, 100_000_000]),
)


@st.composite
def mutated_data(draw: st.DrawFn, real: str, foreign_ids: list[int]) -> str:
    """Real callback data with its fields changed the ways a tampering client would: other
    ids (another customer's booking, another tenant's), dates, signs, sizes, types."""
    parts = real.split(":")
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(parts) - 1))
        current = parts[index]
        kind = draw(st.sampled_from(["number", "foreign", "shift", "text", "drop", "dup"]))
        if kind == "number":
            parts[index] = str(draw(_numbers))
        elif kind == "foreign" and foreign_ids:
            parts[index] = str(draw(st.sampled_from(foreign_ids)))
        elif kind == "shift" and re.fullmatch(r"-?[0-9]+", current):
            parts[index] = str(int(current) + draw(st.sampled_from([-1, 1, 100, -100, 10_000])))
        elif kind == "text":
            parts[index] = draw(st.text(_chars, max_size=8))
        elif kind == "drop" and len(parts) > 1:
            del parts[index]
        else:
            parts.insert(index, current)
    return utf8_cut(":".join(parts)) or "x"


raw_data = (
    st.one_of(
        st.binary(min_size=1, max_size=64).map(lambda b: b.decode(errors="replace")),
        st.text(_chars, min_size=1, max_size=64),
        st.text(string.ascii_lowercase + string.digits + ":-", min_size=1, max_size=64),
    )
    .map(utf8_cut)
    .filter(bool)
)
