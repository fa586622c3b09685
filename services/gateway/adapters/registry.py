"""Which bot a webhook path names: one of the platform's own bots, or a tenant."""

from __future__ import annotations

from services.gateway.ports import BotRoute
from shared.errors import InvalidTenantId
from shared.settings import Secret
from shared.subjects import TG_OPS_UPDATE, TG_SALES_UPDATE, check_tenant_id, tg_update
from shared.tenants import TenantDirectory

SALES_BOT_KEY = "sales"
OPS_BOT_KEY = "ops"


class DirectoryRegistry:
    def __init__(
        self, directory: TenantDirectory, *, sales_token: Secret, ops_token: Secret
    ) -> None:
        self._directory = directory
        self._platform: dict[str, BotRoute] = {}
        if sales_token:
            self._platform[SALES_BOT_KEY] = BotRoute(SALES_BOT_KEY, TG_SALES_UPDATE, sales_token)
        if ops_token:
            self._platform[OPS_BOT_KEY] = BotRoute(OPS_BOT_KEY, TG_OPS_UPDATE, ops_token)

    def platform_routes(self) -> list[BotRoute]:
        return list(self._platform.values())

    async def route(self, bot_key: str) -> BotRoute | None:
        platform = self._platform.get(bot_key)
        if platform is not None:
            return platform
        try:
            check_tenant_id(bot_key)
        except InvalidTenantId:
            return None
        config = await self._directory.get(bot_key)
        if config is None or config.status == "deleted":
            return None
        return BotRoute(bot_key, tg_update(bot_key))
