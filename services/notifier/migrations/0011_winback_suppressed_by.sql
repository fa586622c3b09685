-- Win-back restored: a customer's win-back cancelled because they booked again remembers which
-- newer bookings stopped it (`suppressed_by`, their refs). When one of them is cancelled it
-- leaves the list; a win-back whose list is empty again is pending again.

ALTER TABLE notifier.deliveries ADD COLUMN IF NOT EXISTS suppressed_by text[];

CREATE INDEX IF NOT EXISTS deliveries_winback_suppressed ON notifier.deliveries (tenant_id, chat_id)
    WHERE kind = 'winback' AND suppressed_by IS NOT NULL;
