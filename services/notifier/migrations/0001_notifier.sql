-- The notifier's own schema: every message the platform sends on its own, and who blocked us.

CREATE TABLE IF NOT EXISTS notifier.deliveries (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dedup_key     text NOT NULL UNIQUE,
    tenant_id     text NOT NULL,                       -- or 'platform' for the sales bot's notes
    via           text NOT NULL CHECK (via IN ('tenant', 'sales')),
    chat_id       bigint NOT NULL,
    kind          text NOT NULL,
    text          text NOT NULL,
    reply_markup  jsonb,
    due_at        timestamptz NOT NULL,                -- in the service clock
    status        text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'sending', 'sent', 'blocked', 'failed', 'cancelled')),
    attempts      int NOT NULL DEFAULT 0,
    lease_until   timestamptz,                         -- in database time (clock_timestamp())
    lease_token   uuid,
    last_error    text,
    sent_at       timestamptz,
    message_id    bigint,
    ref           text,                                -- e.g. the booking id
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- The dispatcher's queue: due pending rows, oldest first.
CREATE INDEX IF NOT EXISTS deliveries_due ON notifier.deliveries (due_at) WHERE status = 'pending';
-- Claims whose replica died: expired leases go back to pending.
CREATE INDEX IF NOT EXISTS deliveries_leased ON notifier.deliveries (lease_until)
    WHERE status = 'sending';
-- A booking's reminders and review request, to cancel or replace them.
CREATE INDEX IF NOT EXISTS deliveries_ref ON notifier.deliveries (tenant_id, ref);

CREATE TABLE IF NOT EXISTS notifier.blocked_chats (
    tenant_id   text NOT NULL,
    via         text NOT NULL CHECK (via IN ('tenant', 'sales')),
    chat_id     bigint NOT NULL,
    blocked_at  timestamptz NOT NULL DEFAULT now(),
    detail      text NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, via, chat_id)
);
