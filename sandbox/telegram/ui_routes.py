"""A small chat UI for people: the bot list and one chat page per bot and user."""

from __future__ import annotations

import html
from typing import Annotated
from urllib.parse import quote

import msgspec
from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from sandbox.telegram.context import Services
from sandbox.telegram.ui_page import BOTFATHER_PAGE, CHAT_PAGE, INDEX_PAGE

_HTML = "text/html; charset=utf-8"
_DEFAULT_USER = 100001


@get("/", include_in_schema=False)
async def index(services: NamedDependency[Services]) -> Response[str]:
    items = []
    for bot in services.state.bots_by_username.values():
        link = f"/chat/{quote(bot.username)}"
        hook = f" — webhook {html.escape(bot.webhook_url)}" if bot.webhook_url else " — getUpdates"
        items.append(
            f'<li><a class="chat" data-base="{link}" href="{link}?user_id={_DEFAULT_USER}">'
            f"@{html.escape(bot.username)}</a> {html.escape(bot.first_name)}{hook}</li>"
        )
    body = INDEX_PAGE.replace("__BOTS__", "".join(items) or "<li>Ботов пока нет.</li>")
    return Response(body, media_type=_HTML)


@get("/chat/{username:str}", include_in_schema=False)
async def chat_page(
    username: FromPath[str],
    services: NamedDependency[Services],
    user_id: Annotated[int, QueryParameter(gt=0)] = _DEFAULT_USER,
) -> Response[str]:
    bot = services.state.bot_by_username(username)
    config = msgspec.json.encode({"username": bot.username, "user_id": user_id}).decode()
    page = CHAT_PAGE.replace("__TITLE__", html.escape(bot.username)).replace(
        "__CONFIG__", config.replace("</", "<\\/")
    )
    return Response(page, media_type=_HTML)


@get("/botfather", include_in_schema=False)
async def botfather() -> Response[str]:
    return Response(BOTFATHER_PAGE, media_type=_HTML)
