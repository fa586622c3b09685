-- Signups (what a buyer told the sales bot), payments billing created, and the ledger of what
-- YooKassa confirmed. The ledger is unique by (payment, event): a notification is recorded once.
CREATE TABLE signups (
    signup_id         text PRIMARY KEY,
    buyer_chat_id     bigint NOT NULL,
    business_name     text NOT NULL DEFAULT '',
    city              text NOT NULL DEFAULT '',
    timezone          text NOT NULL DEFAULT 'Europe/Moscow',
    owner_chat_id     bigint NOT NULL,
    bot_id            bigint,
    bot_username      text,
    bot_token_sealed  text,
    receipt_email     text,
    tenant_id         text,
    status            text NOT NULL DEFAULT 'draft'
                      CHECK (status IN ('draft', 'awaiting_payment', 'paid', 'trial', 'abandoned')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signups_bot ON signups (bot_id);
CREATE INDEX signups_buyer ON signups (buyer_chat_id, created_at DESC);

CREATE TABLE payments (
    payment_id        text PRIMARY KEY,
    idempotence_key   text NOT NULL UNIQUE,
    signup_id         text REFERENCES signups (signup_id),
    tenant_id         text,
    purpose           text NOT NULL CHECK (purpose IN ('new', 'renewal')),
    plan_code         text NOT NULL,
    period_days       int NOT NULL,
    amount_kopecks    bigint NOT NULL,
    currency          text NOT NULL DEFAULT 'RUB',
    buyer_chat_id     bigint NOT NULL,
    status            text NOT NULL DEFAULT 'pending',
    confirmation_url  text,
    payment_method_id text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_signup ON payments (signup_id, plan_code, status);
CREATE INDEX payments_tenant ON payments (tenant_id, created_at DESC);

CREATE TABLE ledger (
    id              bigserial PRIMARY KEY,
    payment_id      text NOT NULL,
    event           text NOT NULL,
    amount_kopecks  bigint NOT NULL,
    currency        text NOT NULL,
    object_id       text NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (payment_id, event, object_id)
);
CREATE INDEX ledger_recorded ON ledger (recorded_at);

CREATE TABLE trials (
    buyer_chat_id bigint PRIMARY KEY,
    signup_id     text NOT NULL REFERENCES signups (signup_id),
    started_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE saved_methods (
    tenant_id          text PRIMARY KEY,
    payment_method_id  text NOT NULL,
    plan_code          text NOT NULL,
    saved_at           timestamptz NOT NULL DEFAULT now()
);
