-- Refunds applied to tenants, each once (by YooKassa's refund id): how much of the period it
-- took back and whether it suspended the tenant.
CREATE TABLE applied_refunds (
    refund_id      text PRIMARY KEY,
    payment_id     text NOT NULL REFERENCES applied_payments (payment_id),
    tenant_id      text NOT NULL REFERENCES tenants (tenant_id),
    amount_kopecks bigint NOT NULL CHECK (amount_kopecks >= 0),
    removed        interval NOT NULL,
    suspended      boolean NOT NULL DEFAULT false,
    applied_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX applied_refunds_payment ON applied_refunds (payment_id);
