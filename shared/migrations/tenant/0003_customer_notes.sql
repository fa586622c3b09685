-- Staff's note about a customer (shown and edited on the booking card), and finding a customer
-- by the last ten digits of the phone (how staff search when someone calls).
-- Bookings made by staff for a caller use the columns the schema already had for it: `bookings.source = 'admin'`,
-- `booking_history.actor = 'staff:<telegram id>'`, and `customers.telegram_id IS NULL` for a
-- customer entered by hand.
ALTER TABLE customers ADD COLUMN note text NOT NULL DEFAULT '' CHECK (length(note) <= 1000);
CREATE INDEX customers_phone_tail_idx ON customers (right(regexp_replace(phone, '\D', '', 'g'), 10))
    WHERE phone <> '';
