"""The owner's first run and upkeep: the setup wizard, the opening of booking (and the customers
waiting for it), language and time zone, and the reviews the owner reads."""
