"""What the operator sees: texts (HTML) and inline keyboards built from the console's answers."""

from __future__ import annotations

from datetime import datetime
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from services.provisioner.bot.callbacks import OpsPage, OpsTenant, TenantAction
from services.provisioner.ports import TenantRecord
from services.provisioner.use_cases import PlatformStats, TenantCard, TenantPage
from services.provisioner.use_cases.console import MOSCOW, Action
from shared.i18n import Catalog, rubles

DATE_TIME = "%d.%m.%Y %H:%M"
DATE = "%d.%m.%Y"


class Views:
    def __init__(self, texts: Catalog, locale: str) -> None:
        self._texts = texts
        self._locale = locale

    def text(self, key: str, /, **values: object) -> str:
        return self._texts.text(self._locale, key, **values)

    def status(self, status: str | None) -> str:
        return self.text(f"status.{status or 'all'}")

    def _button(self, key: str, data: str, **values: object) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=self.text(key, **values), callback_data=data)

    # --- the list

    def tenant_line(self, tenant: TenantRecord) -> str:
        return self.text(
            "list.line",
            name=escape(tenant.business_name),
            tenant_id=tenant.tenant_id,
            bot=escape(tenant.bot_username),
            status=self.status(tenant.status),
            paid_until=tenant.paid_until.astimezone(MOSCOW).strftime(DATE),
        )

    def tenant_buttons(self, tenants: list[TenantRecord]) -> list[list[InlineKeyboardButton]]:
        return [
            [
                InlineKeyboardButton(
                    text=f"{tenant.business_name} · {self.status(tenant.status)}",
                    callback_data=OpsTenant(action="card", tenant_id=tenant.tenant_id).pack(),
                )
            ]
            for tenant in tenants
        ]

    def page(self, page: TenantPage) -> tuple[str, InlineKeyboardMarkup]:
        head = self.text(
            "list.title",
            status=self.status(page.status),
            total=page.total,
            page=page.page + 1,
            pages=page.pages,
        )
        lines = [self.tenant_line(tenant) for tenant in page.tenants] or [self.text("list.empty")]
        rows = self.tenant_buttons(page.tenants)
        status = page.status or "all"
        nav = []
        if page.page > 0:
            nav.append(
                self._button("button.prev", OpsPage(status=status, page=page.page - 1).pack())
            )
        if page.page + 1 < page.pages:
            nav.append(
                self._button("button.next", OpsPage(status=status, page=page.page + 1).pack())
            )
        if nav:
            rows.append(nav)
        return "\n".join([head, "", *lines]), InlineKeyboardMarkup(inline_keyboard=rows)

    def found(self, text: str, tenants: list[TenantRecord]) -> tuple[str, InlineKeyboardMarkup]:
        head = self.text("find.title", text=escape(text), count=len(tenants))
        lines = [self.tenant_line(tenant) for tenant in tenants] or [self.text("list.empty")]
        markup = InlineKeyboardMarkup(inline_keyboard=self.tenant_buttons(tenants))
        return "\n".join([head, "", *lines]), markup

    # --- one tenant

    def card(self, card: TenantCard) -> tuple[str, InlineKeyboardMarkup]:
        tenant = card.tenant
        bookings = (
            self.text("card.bookings", total=card.bookings.total, upcoming=card.bookings.upcoming)
            if card.bookings is not None
            else self.text("card.no_data")
        )
        text = self.text(
            "card",
            name=escape(tenant.business_name),
            tenant_id=tenant.tenant_id,
            status=self.status(tenant.status),
            plan=escape(tenant.plan_code),
            trial=self.text("yes" if tenant.trial else "no"),
            paid_until=card.paid_until_msk.strftime(DATE_TIME),
            bot=escape(tenant.bot_username),
            created=card.created_msk.strftime(DATE_TIME),
            owner=tenant.owner_chat_id,
            bookings=bookings,
        )
        return text, self.card_buttons(card)

    def card_buttons(self, card: TenantCard) -> InlineKeyboardMarkup:
        tenant_id = card.tenant.tenant_id
        labels: dict[Action, tuple[str, TenantAction]] = {
            "extend": ("button.extend", "ext"),
            "suspend": ("button.suspend", "sus"),
            "resume": ("button.resume", "res"),
            "delete": ("button.delete", "del"),
        }
        rows = [
            [
                self._button(
                    labels[action][0],
                    OpsTenant(action=labels[action][1], tenant_id=tenant_id).pack(),
                )
            ]
            for action in card.actions
        ]
        rows.append(
            [self._button("button.refresh", OpsTenant(action="card", tenant_id=tenant_id).pack())]
        )
        return InlineKeyboardMarkup(inline_keyboard=rows)

    def confirm_delete(self, card: TenantCard) -> tuple[str, InlineKeyboardMarkup]:
        tenant = card.tenant
        text = self.text(
            "delete.confirm", name=escape(tenant.business_name), tenant_id=tenant.tenant_id
        )
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    self._button(
                        "button.confirm_delete",
                        OpsTenant(action="delok", tenant_id=tenant.tenant_id).pack(),
                    )
                ],
                [
                    self._button(
                        "button.cancel", OpsTenant(action="card", tenant_id=tenant.tenant_id).pack()
                    )
                ],
            ]
        )
        return text, markup

    def paid_until(self, moment: datetime) -> str:
        return moment.astimezone(MOSCOW).strftime(DATE_TIME)

    # --- the platform

    def stats(self, stats: PlatformStats) -> str:
        counts = stats.counts
        return self.text(
            "stats",
            at=stats.at.astimezone(MOSCOW).strftime(DATE_TIME),
            active=counts.active,
            trials=counts.trials,
            grace=counts.grace,
            suspended=counts.suspended,
            deleted=counts.deleted,
            new=counts.new_recently,
            revenue=rubles(stats.revenue_kopecks),
            mrr=rubles(stats.mrr_kopecks),
        )
