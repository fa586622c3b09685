-- Broadcasts (one running per tenant, its progress message edited in place), photos on
-- deliveries, the customers' bulk opt-outs and the services' win-back rules.

ALTER TABLE notifier.deliveries ADD COLUMN IF NOT EXISTS photo text;  -- a Telegram file_id

CREATE TABLE IF NOT EXISTS notifier.broadcasts (
    tenant_id     text NOT NULL,
    broadcast_id  bigint NOT NULL,
    owner_chat_id bigint NOT NULL,
    locale        text NOT NULL DEFAULT 'ru',
    total         int NOT NULL,
    status        text NOT NULL DEFAULT 'running'
                  CHECK (status IN ('running', 'done', 'refused')),
    stopped       boolean NOT NULL DEFAULT false,
    shown         text NOT NULL DEFAULT '',             -- the progress text last shown
    shown_at      timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    PRIMARY KEY (tenant_id, broadcast_id)
);
-- At most one broadcast at a time per business.
CREATE UNIQUE INDEX IF NOT EXISTS broadcasts_one_running ON notifier.broadcasts (tenant_id)
    WHERE status = 'running';

CREATE TABLE IF NOT EXISTS notifier.bulk_optouts (
    tenant_id  text NOT NULL,
    chat_id    bigint NOT NULL,
    at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, chat_id)
);

CREATE TABLE IF NOT EXISTS notifier.winback_rules (
    tenant_id   text NOT NULL,
    service_id  bigint NOT NULL,
    days        int NOT NULL CHECK (days BETWEEN 1 AND 365),
    PRIMARY KEY (tenant_id, service_id)
);

-- A customer's pending win-back, to cancel it when they book again or opt out.
CREATE INDEX IF NOT EXISTS deliveries_bulk_chat ON notifier.deliveries (tenant_id, chat_id)
    WHERE status = 'pending' AND kind IN ('broadcast', 'winback');
