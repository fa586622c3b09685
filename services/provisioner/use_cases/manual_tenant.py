"""Creating a tenant by hand (a manual sale, a move from another system) from a bot token.

The token is checked with `getMe`, sealed at once, and the tenant is created by
`Provisioning.on_payment` with a `manual` payment, exactly as a paid purchase: schema, role,
registry row, directory entry, webhook or polling, and `tenant.provisioned` (from which the
notifier tells the owner the bot is live). A bot that already has a live tenant is refused.
One `console:create` audit row records who did it; the token itself is never logged.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.provisioner.ports import BotIdentities, ConsoleStore, TenantRecord, TenantRegistry
from services.provisioner.use_cases.provisioning import Provisioning
from shared.clock import Clock
from shared.crypto import Sealer
from shared.errors import RuleViolation
from shared.messages import PaymentSucceeded, Signup
from shared.settings import Secret

log = logging.getLogger(__name__)

MAX_DAYS = 3660
MAX_NAME = 100
MANUAL_PLAN = "manual"


class ManualTenants:
    def __init__(
        self,
        *,
        provisioning: Provisioning,
        identities: BotIdentities,
        registry: TenantRegistry,
        store: ConsoleStore,
        sealer: Sealer,
        clock: Clock,
    ) -> None:
        self._provisioning = provisioning
        self._identities = identities
        self._registry = registry
        self._store = store
        self._sealer = sealer
        self._clock = clock

    async def create(
        self,
        actor: str,
        *,
        token: Secret,
        owner_id: int,
        name: str | None,
        timezone: str,
        days: int,
        amount_kopecks: int = 0,
    ) -> TenantRecord:
        """The live tenant. Raises RuleViolation (bad_token, bot_taken, create_days,
        create_owner, create_timezone, create_name) or TransientError."""
        _check_form(owner_id=owner_id, timezone=timezone, days=days, name=name)
        if amount_kopecks < 0:
            raise RuleViolation("extend_amount", amount_kopecks=amount_kopecks)
        bot = await self._identities.identify(token)
        existing = await self._registry.find_by_bot(bot.bot_id)
        if existing is not None and existing.status != "deleted":
            raise RuleViolation("bot_taken", tenant_id=existing.tenant_id)
        now = self._clock.now()
        signup = Signup(
            signup_id=f"manual:{uuid.uuid4().hex}",
            business_name=(name or bot.name).strip()[:MAX_NAME] or bot.username,
            timezone=timezone,
            buyer_chat_id=owner_id,
            owner_chat_id=owner_id,
            bot_id=bot.bot_id,
            bot_username=bot.username,
            bot_token_sealed=self._sealer.seal(token.reveal()),
        )
        applied = await self._provisioning.on_payment(_payment(signup, days, amount_kopecks, now))
        tenant = applied.tenant
        await self._store.audit(
            actor,
            "console:create",
            tenant.tenant_id,
            {
                "bot_username": tenant.bot_username,
                "owner_chat_id": owner_id,
                "days": days,
                "amount_kopecks": amount_kopecks,
            },
        )
        log.info("tenant %s created by hand by %s", tenant.tenant_id, actor)
        return tenant


def _check_form(*, owner_id: int, timezone: str, days: int, name: str | None) -> None:
    if owner_id <= 0:
        raise RuleViolation("create_owner", owner_id=owner_id)
    if not 1 <= days <= MAX_DAYS:
        raise RuleViolation("create_days", days=days, maximum=MAX_DAYS)
    if name is not None and not name.strip():
        raise RuleViolation("create_name")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise RuleViolation("create_timezone", timezone=timezone) from None


def _payment(signup: Signup, days: int, amount_kopecks: int, now: datetime) -> PaymentSucceeded:
    return PaymentSucceeded(
        payment_id=signup.signup_id,
        purpose="new",
        plan_code=MANUAL_PLAN,
        period_days=days,
        amount_kopecks=amount_kopecks,
        currency="RUB",
        paid_at=now,
        signup=signup,
        manual=True,
    )
