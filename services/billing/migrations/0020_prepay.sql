-- Payments to businesses' own YooKassa shops (prepayments of their customers' bookings).
-- Each row keeps the shop's id and its sealed secret key as they were when the payment was
-- made, so notifications and refunds of it use that shop even after the business changes it.
CREATE TABLE prepay_payments (
    payment_id        text PRIMARY KEY,
    tenant_id         text NOT NULL,
    booking_id        bigint NOT NULL,
    idempotence_key   text NOT NULL UNIQUE,
    shop_id           text NOT NULL,
    secret_sealed     text NOT NULL,
    amount_kopecks    bigint NOT NULL CHECK (amount_kopecks > 0),
    currency          text NOT NULL DEFAULT 'RUB',
    status            text NOT NULL DEFAULT 'pending',
    hold_until        timestamptz NOT NULL,
    expired_at        timestamptz,
    refunded_kopecks  bigint NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, booking_id),
    CHECK (refunded_kopecks >= 0 AND refunded_kopecks <= amount_kopecks)
);
CREATE INDEX prepay_payments_holds ON prepay_payments (hold_until)
    WHERE status = 'pending' AND expired_at IS NULL;

-- What the shops' YooKassa confirmed, once each (by payment, event and object).
CREATE TABLE prepay_ledger (
    id              bigserial PRIMARY KEY,
    tenant_id       text NOT NULL,
    payment_id      text NOT NULL REFERENCES prepay_payments (payment_id),
    event           text NOT NULL,
    amount_kopecks  bigint NOT NULL,
    currency        text NOT NULL,
    object_id       text NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (payment_id, event, object_id)
);
