"""The platform operator's bot: operators only; tenants listed, found, shown, changed, deleted."""

from services.provisioner.bot.actions import ChatExportSink
from services.provisioner.bot.context import OpsDeps
from services.provisioner.bot.dispatcher import build_ops_dispatcher
from services.provisioner.bot.tenant_bots import TelegramTenantBots

__all__ = ["ChatExportSink", "OpsDeps", "TelegramTenantBots", "build_ops_dispatcher"]
