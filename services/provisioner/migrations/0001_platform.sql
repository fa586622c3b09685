-- The tenant registry and what the provisioner remembers about payments it applied.
CREATE TABLE tenants (
    tenant_id        text PRIMARY KEY,
    signup_id        text NOT NULL UNIQUE,
    business_name    text NOT NULL,
    timezone         text NOT NULL,
    owner_chat_id    bigint NOT NULL,
    buyer_chat_id    bigint NOT NULL,
    bot_id           bigint NOT NULL UNIQUE,
    bot_username     text NOT NULL,
    bot_token_sealed text NOT NULL,
    delivery         text NOT NULL CHECK (delivery IN ('webhook', 'polling')),
    status           text NOT NULL CHECK (status IN ('active', 'grace', 'suspended', 'deleted')),
    plan_code        text NOT NULL,
    trial            boolean NOT NULL DEFAULT false,
    paid_until       timestamptz NOT NULL,
    warned_days      int[] NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tenants_paid_until ON tenants (paid_until) WHERE status <> 'deleted';
CREATE INDEX tenants_name_search ON tenants (lower(business_name));

CREATE TABLE applied_payments (
    payment_id    text PRIMARY KEY,
    tenant_id     text NOT NULL REFERENCES tenants (tenant_id),
    kind          text NOT NULL CHECK (kind IN ('new', 'renewal', 'trial', 'manual')),
    period_days   int NOT NULL,
    amount_kopecks bigint NOT NULL DEFAULT 0,
    applied_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX applied_payments_at ON applied_payments (applied_at);

CREATE TABLE audit_log (
    id        bigserial PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    actor     text NOT NULL,
    action    text NOT NULL,
    tenant_id text,
    details   jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, at);
