-- The sales bot: tenants billing learned of from `tenant.*` events (who bought them, who owns
-- them, whether they still live), so it can offer renewals to the right people only and tell
-- whether a bot is still in use. A signup is linked to the tenant it became.
CREATE TABLE tenants (
    tenant_id      text PRIMARY KEY,
    signup_id      text REFERENCES signups (signup_id),
    buyer_chat_id  bigint NOT NULL,
    owner_chat_id  bigint NOT NULL,
    business_name  text NOT NULL,
    bot_username   text NOT NULL,
    paid_until     timestamptz NOT NULL,
    status         text NOT NULL DEFAULT 'active'
                   CHECK (status IN ('active', 'suspended', 'deleted')),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tenants_buyer ON tenants (buyer_chat_id);
CREATE INDEX tenants_owner ON tenants (owner_chat_id);

CREATE UNIQUE INDEX signups_tenant ON signups (tenant_id) WHERE tenant_id IS NOT NULL;
CREATE INDEX signups_bot_taken ON signups (bot_id) WHERE status IN ('paid', 'trial');
