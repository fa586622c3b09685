"""Staff by invitation: the owner makes a one-time link for a role (admin, or a master linked
to a master profile); whoever opens it first, before it expires, joins with that role.

The code is 128 random bits (URL-safe, it rides in `t.me/<bot>?start=inv_<code>`); only its
SHA-256 is stored, so a leaked table holds no working link. Redeeming locks the invite row:
two people opening the same link at once cannot both join. A used, expired or unknown code
is refused with its own polite reason; the owner cannot be demoted by an invite.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.booking.use_cases.admin import audit
from services.booking.use_cases.admin.access import MAX_ID, require_owner
from services.booking.use_cases.admin.invite_ports import InviteRole, InviteScope
from services.booking.use_cases.admin.owner_errors import OwnerRefused
from services.booking.use_cases.admin.ports import Staff

PREFIX = "inv_"
TTL = timedelta(hours=48)
MAX_CODE = 60  # Telegram allows 64 characters of start parameter


@dataclass(frozen=True, slots=True)
class Made:
    code: str
    role: InviteRole
    master_name: str
    expires_at: datetime

    @property
    def payload(self) -> str:
        return PREFIX + self.code


@dataclass(frozen=True, slots=True)
class Joined:
    role: InviteRole
    master_name: str


def digest(code: str) -> bytes:
    return hashlib.sha256(code.encode()).digest()


async def make(scope: InviteScope, actor: Staff, role: InviteRole, master_id: int = 0) -> Made:
    require_owner(actor)
    code = secrets.token_urlsafe(16)
    expires_at = scope.clock.now() + TTL
    async with scope.store.transaction() as session:
        name = ""
        if role == "master":
            found = await session.master_name(master_id) if 0 < master_id <= MAX_ID else None
            if found is None:
                raise OwnerRefused("admin.invite.unknown_master")
            name = found
        invite_id = await session.add_invite(
            code_hash=digest(code),
            role=role,
            master_id=master_id if role == "master" else None,
            created_by=actor.telegram_id,
            expires_at=expires_at,
        )
        await audit.record(
            session,
            actor,
            "invite.make",
            f"invite:{invite_id}",
            after={"role": role, "master": name or None, "expires_at": expires_at},
        )
    return Made(code=code, role=role, master_name=name, expires_at=expires_at)


async def redeem(scope: InviteScope, *, telegram_id: int, name: str, payload: str) -> Joined:
    """Join with the invite behind `payload` (`inv_<code>`); `OwnerRefused` says why not."""
    code = payload.removeprefix(PREFIX)
    if not code or len(code) > MAX_CODE:
        raise OwnerRefused("admin.invite.unknown")
    now = scope.clock.now()
    async with scope.store.transaction() as session:
        invite = await session.invite_for_update(digest(code))
        if invite is None:
            raise OwnerRefused("admin.invite.unknown")
        role_before = await session.staff_role(telegram_id)
        if role_before == "owner":
            raise OwnerRefused("admin.invite.owner")
        if invite.used_at is not None:
            raise OwnerRefused("admin.invite.used")
        if invite.expires_at <= now:
            raise OwnerRefused("admin.invite.expired")
        await session.join(invite.id, telegram_id=telegram_id, name=name[:100], at=now)
        master = await session.master_name(invite.master_id) if invite.master_id else None
        joiner = Staff(
            id=0, telegram_id=telegram_id, name=name[:100], role=invite.role, master_id=None
        )
        await audit.record(
            session,
            joiner,
            "invite.redeem",
            f"invite:{invite.id}",
            before={"role": role_before},
            after={"role": invite.role, "master": master},
        )
    return Joined(role=invite.role, master_name=master or "")
