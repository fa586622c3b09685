"""Each tenant's directory entry and its aiogram `Bot`, kept until the entry changes.

The hot path needs both for every update; reading the KV and opening the sealed token each
time costs a round trip and a decryption. `TenantBots` keeps them, bounded (least recently
used first out), and follows the tenants KV (`run`, via `shared.kv_watch.follow`): a changed
or deleted entry replaces the kept one at once. Both the watch and a read keep only the
newest revision they saw, so a slow read never puts an older entry back over a newer one.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from aiogram import Bot
from nats.aio.client import Client
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from shared.crypto import Sealer
from shared.kv_watch import follow
from shared.messages import TenantConfig, decode
from shared.subjects import check_tenant_id
from shared.telegram import Bots

_GONE = ("DEL", "PURGE")


@dataclass(frozen=True, slots=True)
class TenantBot:
    config: TenantConfig
    bot: Bot


class TenantBots:
    def __init__(self, kv: KeyValue, bots: Bots, sealer: Sealer, *, max_size: int = 20_000) -> None:
        self._kv = kv
        self._bots = bots
        self._sealer = sealer
        self._max_size = max_size
        self._kept: OrderedDict[str, tuple[int, TenantBot | None]] = OrderedDict()
        self._reading: dict[str, int] = {}  # newest revision the watch saw during a read

    async def get(self, tenant_id: str) -> TenantBot | None:
        """The tenant's entry and bot; None for an unknown or deleted tenant."""
        kept = self._kept.get(tenant_id)
        if kept is not None:
            self._kept.move_to_end(tenant_id)
            return kept[1]
        check_tenant_id(tenant_id)
        self._reading[tenant_id] = 0
        try:
            entry = await self._kv.get(tenant_id)
        except KeyNotFoundError:
            return None  # not kept: a tenant created later is read then
        finally:
            watched = self._reading.pop(tenant_id, 0)
        revision = entry.revision or 0
        if watched > revision:  # changed while being read: read it again
            return await self.get(tenant_id)
        self._keep(tenant_id, revision, entry.value)
        found = self._kept.get(tenant_id)
        return found[1] if found is not None else None

    async def bot_id(self, tenant_id: str) -> int | None:
        """The tenant's bot id (aiogram's, from its token); None for an unknown tenant."""
        found = await self.get(tenant_id)
        return None if found is None else found.bot.id

    async def run(self, connection: Client) -> None:
        """Follow the KV until cancelled: changes replace what is kept."""
        await follow(connection, self._kv.watchall, self._apply, name="booking-tenants")

    async def _apply(self, entry: KeyValue.Entry) -> None:
        if entry.key in self._reading:
            self._reading[entry.key] = max(self._reading[entry.key], entry.revision or 0)
        if entry.key not in self._kept:
            return  # not kept: the next read gets the newest
        value = None if entry.operation in _GONE else entry.value
        self._keep(entry.key, entry.revision or 0, value)

    def _keep(self, tenant_id: str, revision: int, value: bytes | None) -> None:
        kept = self._kept.get(tenant_id)
        if kept is not None and kept[0] >= revision:
            return
        tenant_bot = None
        if value:
            config = decode(TenantConfig, value)
            if config.status != "deleted":
                bot = self._bots.get(self._sealer.unseal(config.bot_token_sealed))
                tenant_bot = TenantBot(config, bot)
        self._kept[tenant_id] = (revision, tenant_bot)
        self._kept.move_to_end(tenant_id)
        if len(self._kept) > self._max_size:
            self._kept.popitem(last=False)
