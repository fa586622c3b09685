"""The dry run's warning for statements whose cost grows with the number of tenant schemas:
`ADD COLUMN ... DEFAULT` and `ALTER COLUMN ... TYPE` are named, the split form (add, then
SET DEFAULT, fill, SET NOT NULL) and words inside comments or literals are not."""

from __future__ import annotations

import pytest

from bench.migrate import MIGRATION, ONE_STATEMENT
from shared.migrate import Migration
from shared.migrate_advice import catalog_scans
from shared.migrate_cli import plan_text
from shared.migrate_online import Pending

pytestmark = pytest.mark.unit


def _migration(sql: str) -> Migration:
    return Migration(999, "0999_change", sql)


def test_a_column_added_with_its_default_is_named() -> None:
    found = catalog_scans(_migration(ONE_STATEMENT))

    assert found == ["ALTER TABLE bookings ADD COLUMN reminder_channel text NOT NULL DEFAULT ''"]


def test_the_split_form_and_other_statements_pass() -> None:
    sql = MIGRATION + (
        "-- ALTER TABLE bookings ADD COLUMN x int DEFAULT 1;\n"
        "ALTER TABLE services ADD CONSTRAINT positive CHECK (duration_min > 0);\n"
        "INSERT INTO texts (body) VALUES ('ALTER TABLE t ADD c int DEFAULT 0; x');\n"
        "ALTER TABLE services ADD COLUMN note text, ALTER COLUMN note SET DEFAULT '';\n"
    )
    assert catalog_scans(_migration(sql)) == []


@pytest.mark.parametrize(
    "statement",
    [
        "alter table bookings add price int default 0",
        "ALTER TABLE bookings ADD COLUMN IF NOT EXISTS paid boolean NOT NULL DEFAULT false",
        "ALTER TABLE bookings ADD COLUMN a int, ADD COLUMN b int DEFAULT 2",
        "ALTER TABLE bookings ALTER COLUMN note TYPE varchar(200)",
        "ALTER TABLE bookings ALTER note SET DATA TYPE text",
    ],
)
def test_every_spelling_of_the_slow_forms_is_named(statement: str) -> None:
    assert len(catalog_scans(_migration(statement + ";"))) == 1


def test_the_dry_run_warns_only_for_pending_migrations() -> None:
    slow = _migration(ONE_STATEMENT)
    pending = [Pending("t_a", False, (slow.name,)), Pending("t_b", False, ())]

    assert "WARNING 0999_change: `ALTER TABLE bookings ADD COLUMN" in plan_text(pending, [slow])
    done = [Pending("t_a", False, ())]
    assert "WARNING" not in plan_text(done, [slow])
