"""The notifier's pool is statement-scoped (`shared.db.create_pool`): its leases skip asyncpg's
reset query, which is right only while none of its SQL leaves anything in the session. This
reads every Python and SQL file of the notifier for the statements that would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

NOTIFIER = Path(__file__).resolve().parents[2] / "services" / "notifier"

# What outlives a statement or a transaction in a session. The transaction-scoped forms
# (`pg_advisory_xact_lock`, `set_config(..., true)`, `SET LOCAL`) are fine and not matched.
# Function names in any case; SQL keywords in capitals, as the project writes SQL, so that
# English prose ("listen", "prepare") in a comment is not taken for a statement.
SESSION_FUNCTIONS = re.compile(
    r"advisory_lock|advisory_unlock|add_listener|set_config\([^)]*,\s*false|\.cursor\(",
    re.IGNORECASE,
)
SESSION_STATEMENTS = re.compile(
    r"\bLISTEN\b|\bSET\s+(SESSION\b|ROLE\b|search_path\b|TIME\s+ZONE\b|[a-z_.]+\s+TO\b)"
    r"|\bDECLARE\b|\bPREPARE\b|\bTEMP(ORARY)?\s+TABLE\b"
)


def session_scoped(text: str) -> list[str]:
    return [m.group(0) for rx in (SESSION_FUNCTIONS, SESSION_STATEMENTS) for m in rx.finditer(text)]


def test_the_check_tells_session_state_from_transaction_state() -> None:
    for leaks in (
        "SELECT pg_advisory_lock(hashtext($1))",
        "SELECT pg_try_advisory_lock(1)",
        "SET search_path TO notifier",
        "SET statement_timeout TO 5000",
        "SET SESSION work_mem = '64MB'",
        "SELECT set_config('search_path', $1, false)",
        "LISTEN deliveries",
        "await conn.add_listener('deliveries', wake)",
        "CREATE TEMP TABLE batch (id bigint)",
        "DECLARE rows CURSOR WITH HOLD FOR SELECT 1",
    ):
        assert session_scoped(leaks), leaks
    for fine in (
        "SELECT pg_advisory_xact_lock(hashtext($1))",
        "SELECT set_config('search_path', $1, true)",
        "SET LOCAL search_path TO notifier",
        "UPDATE notifier.deliveries SET status = 'sent', sent_at = $3",
        "# listen for the owner's reply, then prepare the next message",
    ):
        assert not session_scoped(fine), fine


def test_no_notifier_sql_leaves_state_in_the_session() -> None:
    files = sorted([*NOTIFIER.rglob("*.py"), *NOTIFIER.rglob("*.sql")])
    assert any(f.name == "deliveries_pg.py" for f in files)
    found = {
        str(f.relative_to(NOTIFIER)): hits
        for f in files
        if (hits := session_scoped(f.read_text(encoding="utf-8")))
    }
    assert found == {}, (
        "the notifier's pool skips the reset query (statement_scoped_sql in main.py); "
        f"this SQL would leave state in the session: {found}"
    )
