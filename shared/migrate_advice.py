"""Statements of a tenant migration whose cost grows with the number of tenant schemas.

Postgres (15) checks an `ALTER TABLE ... ADD COLUMN ... DEFAULT` (and an `ALTER COLUMN ...
TYPE`, which rewrites the table) against every use of the table's row type with a scan of
all of `pg_depend`: ~680 rows per tenant schema, so over N schemas the run costs N x N.
Measured on the bench's cluster: 0.3 s for one such statement with 1,800 schemas, 6 ms
without the default. A column with a default is added to every tenant as

    ALTER TABLE t ADD COLUMN c text;
    ALTER TABLE t ALTER COLUMN c SET DEFAULT 'x';
    UPDATE t SET c = DEFAULT WHERE c IS NULL;
    ALTER TABLE t ALTER COLUMN c SET NOT NULL;  -- when it must be

(same end state; the `UPDATE` writes the existing rows, cheap for a tenant's tables). The
dry run (`python -m shared.migrate --dry-run`) names the migrations that do it otherwise.
"""

from __future__ import annotations

import re

from shared.migrate import Migration

_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_QUOTED = re.compile(r"'(?:[^']|'')*'")
_ALTER_TABLE = re.compile(r"^\s*ALTER\s+TABLE\b", re.IGNORECASE)
_ADD_WITH_DEFAULT = re.compile(
    r"\bADD\s+(?!CONSTRAINT\b|PRIMARY\b|UNIQUE\b|CHECK\b|FOREIGN\b|EXCLUDE\b)[^,]*?\bDEFAULT\b",
    re.IGNORECASE,
)
_RETYPE = re.compile(r"\bALTER\s+(?:COLUMN\s+)?\S+\s+(?:SET\s+DATA\s+)?TYPE\b", re.IGNORECASE)


def _statements(sql: str) -> list[str]:
    """The statements of `sql`, comments and string literals blanked out (a `;` or a word
    inside a literal is not SQL). Dollar-quoted bodies are not split: they hold no DDL here."""
    text = _QUOTED.sub("''", _COMMENT.sub(" ", sql))
    return [part.strip() for part in text.split(";") if part.strip()]


def catalog_scans(migration: Migration) -> list[str]:
    """The statements of `migration` that scan all of pg_depend in every schema."""
    found = []
    for statement in _statements(migration.sql):
        if not _ALTER_TABLE.match(statement):
            continue
        if _ADD_WITH_DEFAULT.search(statement) or _RETYPE.search(statement):
            found.append(" ".join(statement.split()))
    return found
