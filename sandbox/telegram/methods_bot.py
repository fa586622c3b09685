"""Bot API methods about the bot itself: identity, webhook, getUpdates, commands, descriptions."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from sandbox.telegram import params as p
from sandbox.telegram.context import Handler, MethodContext
from sandbox.telegram.errors import BotApiError, bad_request, conflict
from sandbox.telegram.objects import BotCommand, BotUser, Update, WebhookInfo

_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_MAX_UPDATES = 100
_MAX_COMMANDS = 100
_MAX_DESCRIPTION = 512
_MAX_SHORT_DESCRIPTION = 120
_WEBHOOK_CONFLICT = (
    "can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


async def get_me(ctx: MethodContext, _raw: dict[str, Any]) -> BotUser:
    return ctx.bot.as_user()


async def set_webhook(ctx: MethodContext, raw: dict[str, Any]) -> bool:
    params = p.decode(raw, p.SetWebhook)
    bot = ctx.bot
    if not params.url:
        return _delete_webhook(ctx, drop_pending=params.drop_pending_updates)
    if not params.url.startswith(("https://", "http://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if params.secret_token is not None and not _SECRET_TOKEN.fullmatch(params.secret_token):
        raise bad_request("secret token contains unallowed characters")
    if params.url != bot.webhook_url:
        bot.last_error_date = bot.last_error_message = None
    bot.webhook_url = params.url
    bot.webhook_secret = params.secret_token
    if params.allowed_updates is not None:
        bot.allowed_updates = params.allowed_updates or None
    if params.drop_pending_updates:
        bot.pending.clear()
    bot.updates_signal.notify()
    ctx.services.dispatcher.drain(bot)
    return True


async def delete_webhook(ctx: MethodContext, raw: dict[str, Any]) -> bool:
    params = p.decode(raw, p.DeleteWebhook)
    return _delete_webhook(ctx, drop_pending=params.drop_pending_updates)


def _delete_webhook(ctx: MethodContext, *, drop_pending: bool) -> bool:
    bot = ctx.bot
    bot.webhook_url = ""
    bot.webhook_secret = None
    bot.last_error_date = bot.last_error_message = None
    if drop_pending:
        bot.pending.clear()
    return True


async def get_webhook_info(ctx: MethodContext, _raw: dict[str, Any]) -> WebhookInfo:
    bot = ctx.bot
    hooked = bool(bot.webhook_url)
    return WebhookInfo(
        url=bot.webhook_url,
        has_custom_certificate=False,
        pending_update_count=len(bot.pending),
        last_error_date=bot.last_error_date if hooked else None,
        last_error_message=bot.last_error_message if hooked else None,
        max_connections=40 if hooked else None,
        allowed_updates=bot.allowed_updates if hooked else None,
    )


async def get_updates(ctx: MethodContext, raw: dict[str, Any]) -> list[Update]:
    """Long polling: answers as soon as an update is pending or after ``timeout`` seconds."""
    params = p.decode(raw, p.GetUpdates)
    bot = ctx.bot
    if bot.webhook_url:
        raise conflict(_WEBHOOK_CONFLICT)
    if params.allowed_updates is not None:
        bot.allowed_updates = params.allowed_updates or None
    _confirm(ctx, params.offset)
    bot.poll_generation += 1
    generation = bot.poll_generation
    bot.updates_signal.notify()
    limit = min(max(params.limit, 1), _MAX_UPDATES)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + min(max(params.timeout, 0.0), ctx.services.config.max_polling_timeout)
    while True:
        if bot.revoked:
            raise BotApiError(401, "Unauthorized")
        if bot.poll_generation != generation:
            raise conflict(
                "terminated by other getUpdates request; "
                "make sure that only one bot instance is running"
            )
        if bot.webhook_url:
            raise conflict(_WEBHOOK_CONFLICT)
        if bot.pending:
            return [bot.pending[i] for i in range(min(limit, len(bot.pending)))]
        remaining = deadline - loop.time()
        if remaining <= 0:
            return []
        await bot.updates_signal.wait(remaining)


def _confirm(ctx: MethodContext, offset: int) -> None:
    pending = ctx.bot.pending
    if offset < 0:
        while len(pending) > -offset:
            pending.popleft()
        return
    while pending and pending[0].update_id < offset:
        pending.popleft()
        ctx.state.stats.updates_delivered += 1


def _commands_key(scope: dict[str, Any] | None, language_code: str) -> str:
    scope = scope or {"type": "default"}
    parts = (scope.get("type", "default"), scope.get("chat_id", ""), scope.get("user_id", ""))
    return ":".join(map(str, (*parts, language_code)))


async def set_my_commands(ctx: MethodContext, raw: dict[str, Any]) -> bool:
    params = p.decode(raw, p.SetMyCommands)
    if len(params.commands) > _MAX_COMMANDS:
        raise bad_request("too many commands")
    for command in params.commands:
        if not _COMMAND.fullmatch(command.command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(command.description) <= 256:
            raise bad_request(
                "command description is empty"
                if not command.description
                else "BOT_COMMAND_DESCRIPTION_INVALID"
            )
    ctx.bot.commands[_commands_key(params.scope, params.language_code)] = list(params.commands)
    return True


async def get_my_commands(ctx: MethodContext, raw: dict[str, Any]) -> list[BotCommand]:
    params = p.decode(raw, p.CommandsScope)
    return ctx.bot.commands.get(_commands_key(params.scope, params.language_code), [])


async def delete_my_commands(ctx: MethodContext, raw: dict[str, Any]) -> bool:
    params = p.decode(raw, p.CommandsScope)
    ctx.bot.commands.pop(_commands_key(params.scope, params.language_code), None)
    return True


async def set_my_description(ctx: MethodContext, raw: dict[str, Any]) -> bool:
    params = p.decode(raw, p.SetMyDescription)
    if len(params.description) > _MAX_DESCRIPTION:
        raise bad_request("bot description is too long")
    ctx.bot.descriptions[params.language_code] = params.description
    return True


async def set_my_short_description(ctx: MethodContext, raw: dict[str, Any]) -> bool:
    params = p.decode(raw, p.SetMyShortDescription)
    if len(params.short_description) > _MAX_SHORT_DESCRIPTION:
        raise bad_request("bot short description is too long")
    ctx.bot.short_descriptions[params.language_code] = params.short_description
    return True


async def get_my_description(ctx: MethodContext, raw: dict[str, Any]) -> dict[str, str]:
    params = p.decode(raw, p.LanguageOnly)
    return {"description": ctx.bot.descriptions.get(params.language_code, "")}


async def get_my_short_description(ctx: MethodContext, raw: dict[str, Any]) -> dict[str, str]:
    params = p.decode(raw, p.LanguageOnly)
    return {"short_description": ctx.bot.short_descriptions.get(params.language_code, "")}


BOT_METHODS: dict[str, Handler] = {
    "getme": get_me,
    "setwebhook": set_webhook,
    "deletewebhook": delete_webhook,
    "getwebhookinfo": get_webhook_info,
    "getupdates": get_updates,
    "setmycommands": set_my_commands,
    "getmycommands": get_my_commands,
    "deletemycommands": delete_my_commands,
    "setmydescription": set_my_description,
    "setmyshortdescription": set_my_short_description,
    "getmydescription": get_my_description,
    "getmyshortdescription": get_my_short_description,
}
