"""The operator's tenant backups in the bot: /backup <id>, /backups [id], /restore <name> <id>.

A restore names its target tenant explicitly, even when it is the backup's own: typing it is
the confirmation (a backup name does not fit in a button's 64 bytes). A file that cannot be
read or opened (missing, damaged, another BACKUP_KEY) is answered with one line.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject, ExceptionTypeFilter
from aiogram.types import ErrorEvent, Message

from services.provisioner.bot.context import OpsDeps
from services.provisioner.use_cases.backups import Backups
from shared.backup_file import BackupError
from shared.i18n import Catalog

LIST_LIMIT = 20


def _enabled(ops: OpsDeps) -> Backups:
    if ops.backups is None:
        raise BackupError("backups are not configured in this process")
    return ops.backups


def _say(texts: Catalog, locale: str, key: str, **values: object) -> str:
    return texts.text(locale, key, **values)


async def backup(
    message: Message, command: CommandObject, ops: OpsDeps, locale: str, actor: str
) -> None:
    tenant_id = (command.args or "").strip()
    if not tenant_id:
        await message.answer(_say(ops.texts, locale, "backup.usage"))
        return
    info = await _enabled(ops).backup(actor, tenant_id)
    await message.answer(
        _say(ops.texts, locale, "backup.done", name=info.name, size=info.size)
        + ("\n" + _say(ops.texts, locale, "backup.encrypted") if info.encrypted else "")
    )


async def listing(
    message: Message,
    command: CommandObject,
    ops: OpsDeps,
    locale: str,
    actor: str,  # noqa: ARG001 - the commands' shape
) -> None:
    found = await _enabled(ops).list((command.args or "").strip() or None)
    if not found:
        await message.answer(_say(ops.texts, locale, "backups.none"))
        return
    lines = [_say(ops.texts, locale, "backups.title", count=len(found))]
    lines += [
        _say(ops.texts, locale, "backups.line", name=i.name, at=f"{i.taken_at:%d.%m.%Y %H:%M}")
        for i in found[:LIST_LIMIT]
    ]
    await message.answer("\n".join(lines))


async def restore(
    message: Message, command: CommandObject, ops: OpsDeps, locale: str, actor: str
) -> None:
    parts = (command.args or "").split()
    if len(parts) != 2:
        await message.answer(_say(ops.texts, locale, "restore.usage"))
        return
    name, target = parts
    report = await _enabled(ops).restore(actor, name, into=target)
    await message.answer(
        _say(
            ops.texts,
            locale,
            "restore.done",
            tenant_id=report.tenant_id,
            source=report.source_tenant_id,
            at=f"{report.taken_at:%d.%m.%Y %H:%M}",
            bookings=report.bookings,
        )
    )


async def unreadable(event: ErrorEvent, ops: OpsDeps) -> None:
    update = event.update
    user = update.message.from_user if update.message else None
    locale = ops.texts.locale_for(user.language_code if user else None)
    if update.message is not None:
        await update.message.answer(
            _say(ops.texts, locale, "backup.failed", reason=str(event.exception)[:200])
        )


def router() -> Router:
    feature = Router(name="ops-backups")
    feature.message.register(backup, Command("backup"))
    feature.message.register(listing, Command("backups"))
    feature.message.register(restore, Command("restore"))
    feature.errors.register(unreadable, ExceptionTypeFilter(BackupError))
    return feature
