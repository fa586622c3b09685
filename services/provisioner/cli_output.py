"""What the CLI prints: plain tables and `key: value` blocks for people, JSON for machines.

JSON never carries a tenant's sealed bot token.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import msgspec

from services.provisioner.ports import TenantRecord
from services.provisioner.use_cases import (
    Deletion,
    Migrated,
    PlatformStats,
    Rotated,
    SweepReport,
    TenantCard,
    TenantPage,
)
from services.provisioner.use_cases.console import MOSCOW
from shared.i18n import rubles
from shared.migrate_cli import SHOWN_FAILURES

DATE_TIME = "%Y-%m-%d %H:%M"
_HIDDEN = frozenset({"bot_token_sealed"})


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in (headers, ["-" * w for w in widths], *rows)
    ]
    return "\n".join(lines)


def block(pairs: Sequence[tuple[str, object]]) -> str:
    width = max(len(key) for key, _ in pairs)
    return "\n".join(f"{key.ljust(width)}  {value}" for key, value in pairs)


def moscow(moment: Any) -> str:
    return f"{moment.astimezone(MOSCOW).strftime(DATE_TIME)} MSK"


def tenant_dict(tenant: TenantRecord) -> dict[str, Any]:
    return {k: v for k, v in dataclasses.asdict(tenant).items() if k not in _HIDDEN}


def to_json(value: object) -> str:
    return msgspec.json.encode(value).decode()


# --- per command


def tenants_text(tenants: Sequence[TenantRecord]) -> str:
    if not tenants:
        return "no tenants"
    rows = [
        [
            t.tenant_id,
            t.business_name,
            f"@{t.bot_username}",
            t.status,
            t.plan_code + (" (trial)" if t.trial else ""),
            moscow(t.paid_until),
        ]
        for t in tenants
    ]
    return table(["TENANT", "NAME", "BOT", "STATUS", "PLAN", "PAID UNTIL"], rows)


def page_text(page: TenantPage) -> str:
    status = page.status or "all but deleted"
    footer = f"{page.total} tenants ({status}), page {page.page + 1} of {page.pages}"
    return f"{tenants_text(page.tenants)}\n\n{footer}"


def page_json(page: TenantPage) -> str:
    return to_json(
        {
            "status": page.status,
            "page": page.page + 1,
            "pages": page.pages,
            "total": page.total,
            "tenants": [tenant_dict(t) for t in page.tenants],
        }
    )


def card_text(card: TenantCard) -> str:
    t = card.tenant
    bookings = (
        "no data (deleted)"
        if card.bookings is None
        else f"{card.bookings.total} (upcoming {card.bookings.upcoming})"
    )
    return block(
        [
            ("tenant", t.tenant_id),
            ("name", t.business_name),
            ("status", t.status),
            ("plan", t.plan_code),
            ("trial", "yes" if t.trial else "no"),
            ("paid until", moscow(t.paid_until)),
            ("bot", f"@{t.bot_username}"),
            ("created", moscow(t.created_at)),
            ("owner chat", t.owner_chat_id),
            ("timezone", t.timezone),
            ("bookings", bookings),
            ("actions", ", ".join(card.actions) or "-"),
        ]
    )


def card_json(card: TenantCard) -> str:
    bookings = None if card.bookings is None else dataclasses.asdict(card.bookings)
    return to_json(
        {
            "tenant": tenant_dict(card.tenant),
            "paid_until_msk": card.paid_until_msk,
            "bookings": bookings,
            "actions": list(card.actions),
        }
    )


def stats_text(stats: PlatformStats) -> str:
    c = stats.counts
    return block(
        [
            ("at", moscow(stats.at)),
            ("active", c.active),
            ("trials (active)", c.trials),
            ("grace", c.grace),
            ("suspended", c.suspended),
            ("deleted", c.deleted),
            ("new in 30 days", c.new_recently),
            ("revenue 30 days", rubles(stats.revenue_kopecks)),
            ("MRR", rubles(stats.mrr_kopecks)),
        ]
    )


def stats_json(stats: PlatformStats) -> str:
    return to_json(
        {
            "at": stats.at,
            **dataclasses.asdict(stats.counts),
            "revenue_30d_kopecks": stats.revenue_kopecks,
            "mrr_kopecks": stats.mrr_kopecks,
        }
    )


def deletion_text(deletion: Deletion, export_path: str) -> str:
    if deletion.export_bytes is None:
        return f"{deletion.tenant.tenant_id} deleted (its data had been deleted before; no export)"
    size = deletion.export_bytes
    return f"{deletion.tenant.tenant_id} deleted; export ({size} bytes) in {export_path}"


def deletion_json(deletion: Deletion, export_path: str) -> str:
    return to_json(
        {
            "tenant_id": deletion.tenant.tenant_id,
            "status": deletion.tenant.status,
            "export_bytes": deletion.export_bytes,
            "export": export_path if deletion.export_bytes is not None else None,
        }
    )


def sweep_text(report: SweepReport) -> str:
    warned = ", ".join(f"{t} ({d} d)" for t, d in report.warned) or "-"
    return block(
        [
            ("warned", warned),
            ("grace", ", ".join(report.grace) or "-"),
            ("suspended", ", ".join(report.suspended) or "-"),
        ]
    )


def sweep_json(report: SweepReport) -> str:
    return to_json(dataclasses.asdict(report))


def migrated_text(migrated: Migrated) -> str:
    resumed = " (resumed)" if migrated.resumed else ""
    lines = [
        f"{migrated.changed} of {migrated.tenants} tenant schemas migrated"
        f" (+ {migrated.spares} spares), {len(migrated.failures)} failed,"
        f" run {migrated.run_id}{resumed}, {migrated.seconds} s"
    ]
    lines += [f"  FAILED {f.schema}: {f.error}" for f in migrated.failures[:SHOWN_FAILURES]]
    if len(migrated.failures) > SHOWN_FAILURES:
        lines.append(f"  ... and {len(migrated.failures) - SHOWN_FAILURES} more")
    return "\n".join(lines)


def migrated_json(migrated: Migrated) -> str:
    return to_json(dataclasses.asdict(migrated))


def rotated_text(rotated: Rotated) -> str:
    pairs: list[tuple[str, object]] = [
        ("tenants", rotated.tenants),
        ("re-sealed", rotated.resealed),
        ("webhooks set", rotated.webhooks),
        ("shop keys re-sealed", rotated.shop_keys),
    ]
    if rotated.unreadable:
        pairs.append(("unreadable", ", ".join(rotated.unreadable)))
    if rotated.unreadable_shop_keys:
        pairs.append(("unreadable shop keys", ", ".join(rotated.unreadable_shop_keys)))
    return block(pairs)


def rotated_json(rotated: Rotated) -> str:
    return to_json(dataclasses.asdict(rotated))
