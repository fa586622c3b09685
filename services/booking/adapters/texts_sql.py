"""SQL of the owner's own texts (`custom_texts`, tenant migration 0080): a mixin of the
customer session (reads) and of the texts screens' session (`texts_store`, writes)."""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped, unused-ignore]

_SOME = "SELECT kind, locale, body FROM custom_texts WHERE kind = ANY($1::text[])"
_SAVE = """
INSERT INTO custom_texts (kind, locale, body, updated_by) VALUES ($1, $2, $3, $4)
ON CONFLICT (kind, locale) DO UPDATE
SET body = EXCLUDED.body, updated_by = EXCLUDED.updated_by, updated_at = now()
"""
_DROP = "DELETE FROM custom_texts WHERE kind = $1 AND locale = $2 RETURNING body"


class TextsSql:
    _conn: asyncpg.Connection

    async def custom_texts(self, kinds: tuple[str, ...]) -> dict[tuple[str, str], str]:
        rows = await self._conn.fetch(_SOME, list(kinds))
        return {(row["kind"], row["locale"]): row["body"] for row in rows}

    async def save_custom_text(self, kind: str, locale: str, body: str, *, by: int) -> None:
        await self._conn.execute(_SAVE, kind, locale, body, by)

    async def drop_custom_text(self, kind: str, locale: str) -> str | None:
        """Forget the owner's text; returns it (None if there was none)."""
        body: str | None = await self._conn.fetchval(_DROP, kind, locale)
        return body
