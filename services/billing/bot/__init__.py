"""The sales bot: selling plans to businesses and connecting their bots (aiogram routers)."""

from services.billing.bot.deps import SalesDeps
from services.billing.bot.dispatcher import build_sales_dispatcher

__all__ = ["SalesDeps", "build_sales_dispatcher"]
