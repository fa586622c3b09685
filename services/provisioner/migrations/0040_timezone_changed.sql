-- The business's own time zone, as its owner last set it in the bot (booking's
-- `booking.rezoned.<t>`): `timezone_changed_at` is that change's time, so a redelivered or
-- late older change never undoes a newer one.
ALTER TABLE tenants ADD COLUMN timezone_changed_at timestamptz;
