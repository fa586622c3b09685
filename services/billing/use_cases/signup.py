"""The signup conversation's rules: what a buyer may answer, checked and saved step by step.

A signup is a row in `billing.signups` from the moment the buyer starts it (a random id), so a
payment or a trial always has the full, checked answers behind it. Every step re-reads the row
and checks that it belongs to the buyer and can still change; nothing trusts the client.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import uuid
from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from services.billing.ports import BotIdentity, BotTokens, SignupRecord, Signups, TokenSealer
from shared.errors import RuleViolation, TransientError

NAME_MAX = 64
DEFAULT_TIMEZONE = "Europe/Moscow"
TOKEN_PATTERN = re.compile(r"\d{5,15}:[A-Za-z0-9_-]{30,64}")
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,63}$")
OWNER_ID_PATTERN = re.compile(r"^\d{3,15}$")
EDITABLE = frozenset({"draft", "awaiting_payment"})


@dataclasses.dataclass(frozen=True, slots=True)
class Zone:
    code: str
    city: str
    timezone: str


# The buttons of the time-zone step: common Russian cities and their zones.
COMMON_ZONES: tuple[Zone, ...] = (
    Zone("msk", "Москва", "Europe/Moscow"),
    Zone("spb", "Санкт-Петербург", "Europe/Moscow"),
    Zone("kgd", "Калининград", "Europe/Kaliningrad"),
    Zone("sam", "Самара", "Europe/Samara"),
    Zone("ekb", "Екатеринбург", "Asia/Yekaterinburg"),
    Zone("oms", "Омск", "Asia/Omsk"),
    Zone("nsk", "Новосибирск", "Asia/Novosibirsk"),
    Zone("krs", "Красноярск", "Asia/Krasnoyarsk"),
    Zone("irk", "Иркутск", "Asia/Irkutsk"),
    Zone("yak", "Якутск", "Asia/Yakutsk"),
    Zone("vvo", "Владивосток", "Asia/Vladivostok"),
    Zone("mag", "Магадан", "Asia/Magadan"),
    Zone("kam", "Камчатка", "Asia/Kamchatka"),
)
_ZONES = {zone.code: zone for zone in COMMON_ZONES}


@functools.cache
def _zone_names() -> dict[str, str]:
    return {zone.lower(): zone for zone in available_timezones()}


def check_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not 1 <= len(name) <= NAME_MAX:
        raise RuleViolation("name_length", max=NAME_MAX)
    return name


def check_timezone(raw: str) -> str:
    """An IANA zone name as typed (`Europe/Berlin`, case-insensitive), or RuleViolation."""
    name = raw.strip()
    if "/" not in name or len(name) > 64:
        raise RuleViolation("timezone_unknown")
    name = _zone_names().get(name.lower(), "")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RuleViolation("timezone_unknown") from None
    return name


def check_token_format(raw: str) -> str:
    token = raw.strip()
    if not TOKEN_PATTERN.fullmatch(token):
        raise RuleViolation("token_format")
    return token


def check_email(raw: str) -> str:
    email = raw.strip()
    if not EMAIL_PATTERN.fullmatch(email):
        raise RuleViolation("email_invalid")
    return email


def parse_owner_id(raw: str) -> int:
    text = raw.strip()
    if not OWNER_ID_PATTERN.fullmatch(text) or int(text) <= 0:
        raise RuleViolation("owner_id_invalid")
    return int(text)


def zone_by_code(code: str) -> Zone:
    zone = _ZONES.get(code)
    if zone is None:
        raise RuleViolation("timezone_unknown")
    return zone


class SignupFlow:
    def __init__(
        self,
        *,
        signups: Signups,
        tokens: BotTokens,
        sealer: TokenSealer,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self._signups = signups
        self._tokens = tokens
        self._sealer = sealer
        self._new_id = new_id

    async def begin(self, buyer_chat_id: int) -> str:
        signup_id = self._new_id()
        await self._signups.save(
            SignupRecord(
                signup_id=signup_id,
                buyer_chat_id=buyer_chat_id,
                business_name="",
                city="",
                timezone=DEFAULT_TIMEZONE,
                owner_chat_id=buyer_chat_id,
                bot_id=None,
                bot_username=None,
                bot_token_sealed=None,
                receipt_email=None,
                tenant_id=None,
                status="draft",
            )
        )
        return signup_id

    async def set_name(self, signup_id: str, buyer_chat_id: int, raw: str) -> SignupRecord:
        signup = await self.editable(signup_id, buyer_chat_id)
        return await self._save(signup, business_name=check_name(raw))

    async def set_zone(self, signup_id: str, buyer_chat_id: int, code: str) -> SignupRecord:
        zone = zone_by_code(code)
        signup = await self.editable(signup_id, buyer_chat_id)
        return await self._save(signup, city=zone.city, timezone=zone.timezone)

    async def set_custom_zone(self, signup_id: str, buyer_chat_id: int, raw: str) -> SignupRecord:
        timezone = check_timezone(raw)
        signup = await self.editable(signup_id, buyer_chat_id)
        return await self._save(signup, city="", timezone=timezone)

    async def set_token(self, signup_id: str, buyer_chat_id: int, raw: str) -> BotIdentity:
        """Check a BotFather token with Telegram and keep it sealed; refuse a bot in use."""
        token = check_token_format(raw)
        signup = await self.editable(signup_id, buyer_chat_id)
        try:
            identity = await self._tokens.identify(token)
        except TransientError:
            raise RuleViolation("telegram_unavailable") from None
        if identity is None:
            raise RuleViolation("token_invalid")
        if await self._signups.bot_taken(identity.bot_id, except_signup=signup_id):
            raise RuleViolation("bot_taken", username=identity.username)
        await self._save(
            signup,
            bot_id=identity.bot_id,
            bot_username=identity.username,
            bot_token_sealed=self._sealer.seal(token),
        )
        return identity

    async def set_owner(
        self, signup_id: str, buyer_chat_id: int, owner_chat_id: int
    ) -> SignupRecord:
        if owner_chat_id <= 0:
            raise RuleViolation("owner_id_invalid")
        signup = await self.editable(signup_id, buyer_chat_id)
        return await self._save(signup, owner_chat_id=owner_chat_id)

    async def set_email(self, signup_id: str, buyer_chat_id: int, raw: str) -> SignupRecord:
        email = check_email(raw)
        signup = await self.editable(signup_id, buyer_chat_id)
        return await self._save(signup, receipt_email=email)

    async def ready(self, signup_id: str, buyer_chat_id: int) -> SignupRecord:
        """The signup, complete and still free to pay for or try (its bot not taken meanwhile)."""
        signup = await self.editable(signup_id, buyer_chat_id)
        if not signup.business_name or signup.bot_id is None or not signup.bot_token_sealed:
            raise RuleViolation("signup_incomplete")
        if await self._signups.bot_taken(signup.bot_id, except_signup=signup_id):
            raise RuleViolation("bot_taken", username=signup.bot_username or "")
        return signup

    async def editable(self, signup_id: str, buyer_chat_id: int) -> SignupRecord:
        signup = await self._signups.get(signup_id)
        if signup is None or signup.buyer_chat_id != buyer_chat_id:
            raise RuleViolation("signup_unknown")
        if signup.status not in EDITABLE:
            raise RuleViolation("signup_closed")
        return signup

    async def _save(self, signup: SignupRecord, **changes: object) -> SignupRecord:
        updated = dataclasses.replace(signup, **changes)  # type: ignore[arg-type]
        await self._signups.save(updated)
        return updated
