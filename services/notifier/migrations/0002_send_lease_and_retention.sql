-- Leases taken at send time, late reminders, and retention of the delivery log.

-- A reminder knows its visit: when it starts, and how to reword itself when it goes out late
-- ({"offset": minutes before, "locale", "timezone", "service", "master"}).
ALTER TABLE notifier.deliveries ADD COLUMN IF NOT EXISTS starts_at timestamptz;
ALTER TABLE notifier.deliveries ADD COLUMN IF NOT EXISTS late jsonb;

-- Retention: finished rows by age (their `due_at` is when they last went out or were tried).
CREATE INDEX IF NOT EXISTS deliveries_finished ON notifier.deliveries (due_at)
    WHERE status IN ('sent', 'blocked', 'failed', 'cancelled');
