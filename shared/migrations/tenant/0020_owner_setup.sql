-- The owner's first run: the setup wizard's progress (so it can be left and resumed) and the
-- customers who asked to be told when booking opens.
ALTER TABLE business
    ADD COLUMN business_type text NOT NULL DEFAULT ''
        CHECK (business_type IN ('', 'salon', 'barber', 'clinic', 'other')),
    ADD COLUMN setup_step text NOT NULL DEFAULT 'type'
        CHECK (setup_step IN ('type', 'services', 'master', 'hours', 'address', 'phone', 'done')),
    ADD COLUMN setup_done_at timestamptz;

-- A business that already has a catalog (it was seeded, or set up by hand) is set up.
UPDATE business SET setup_step = 'done', setup_done_at = now()
WHERE EXISTS (SELECT 1 FROM services);

-- One row per customer waiting for booking to open; `told_at` once they were told.
CREATE TABLE waitlist (
    customer_id bigint PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
    chat_id bigint NOT NULL,
    locale text NOT NULL DEFAULT '',
    asked_at timestamptz NOT NULL DEFAULT now(),
    told_at timestamptz
);
CREATE INDEX waitlist_waiting_idx ON waitlist (asked_at) WHERE told_at IS NULL;
