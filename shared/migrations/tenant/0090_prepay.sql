-- Prepayment through the business's own YooKassa shop.
-- `prepay_shop`: one row, the shop's id and its secret key sealed with the platform key
-- (never in clear), and how long an unpaid booking holds its time.
CREATE TABLE prepay_shop (
    id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    shop_id text,
    secret_sealed text,
    hold_min int NOT NULL DEFAULT 15 CHECK (hold_min BETWEEN 5 AND 1440),
    connected_at timestamptz,
    CHECK ((shop_id IS NULL) = (secret_sealed IS NULL))
);

-- Per service: nothing, a deposit of `prepay_kopecks`, or the full price.
ALTER TABLE services ADD COLUMN prepay_mode text NOT NULL DEFAULT 'none'
    CHECK (prepay_mode IN ('none', 'deposit', 'full'));
ALTER TABLE services ADD COLUMN prepay_kopecks bigint NOT NULL DEFAULT 0
    CHECK (prepay_kopecks >= 0);

-- A booking that waits for (or got) its prepayment. While `awaiting`, the booking is
-- `confirmed` in `bookings` (it occupies its time under the exclusion constraint) but nothing
-- was announced yet: `booking.created` (reminders, the owner's alert) follows the payment.
CREATE TABLE prepayments (
    booking_id bigint PRIMARY KEY REFERENCES bookings (id) ON DELETE CASCADE,
    amount_kopecks bigint NOT NULL CHECK (amount_kopecks > 0),
    status text NOT NULL DEFAULT 'awaiting'
        CHECK (status IN ('awaiting', 'paid', 'expired', 'dropped', 'refunding', 'refunded')),
    hold_until timestamptz NOT NULL,
    payment_id text,
    confirmation_url text,
    paid_at timestamptz,
    refund_id text,
    refunded_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX prepayments_awaiting_idx ON prepayments (hold_until) WHERE status = 'awaiting';
