-- Refunds: each recorded once by its YooKassa id, and the total refunded of each payment, which
-- never exceeds what was paid. A payment stays `succeeded` while partly refunded and becomes
-- `refunded` when refunded in full.
ALTER TABLE payments ADD COLUMN refunded_kopecks bigint NOT NULL DEFAULT 0;
UPDATE payments p SET refunded_kopecks = least(p.amount_kopecks, coalesce(
    (SELECT -sum(l.amount_kopecks) FROM ledger l
      WHERE l.payment_id = p.payment_id AND l.event = 'refund.succeeded'), 0));
ALTER TABLE payments ADD CONSTRAINT payments_refunds_within_amount
    CHECK (refunded_kopecks >= 0 AND refunded_kopecks <= amount_kopecks);
CREATE UNIQUE INDEX ledger_refund_once ON ledger (object_id) WHERE event = 'refund.succeeded';
