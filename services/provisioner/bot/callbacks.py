"""Callback data of the operator's bot's buttons (at most 64 bytes; re-checked on the server).

`ot:<action>:<tenant id>`: `card` (show), `ext` (extend by 30 days), `sus` (suspend),
`res` (resume), `del` (ask to confirm deletion), `delok` (delete, confirmed).
`op:<status or all>:<page>`: a page of the tenant list.
"""

from __future__ import annotations

from typing import Literal

from aiogram.filters.callback_data import CallbackData

TenantAction = Literal["card", "ext", "sus", "res", "del", "delok"]


class OpsTenant(CallbackData, prefix="ot"):
    action: TenantAction
    tenant_id: str


class OpsPage(CallbackData, prefix="op"):
    status: str  # a tenant status or "all"
    page: int
