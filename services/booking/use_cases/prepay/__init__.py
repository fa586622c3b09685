"""Prepayment of a booking through the business's own YooKassa shop.

A service may ask for a deposit or the full price. Booking it then makes a *held* booking:
`confirmed` in `bookings` (it occupies its time; the exclusion constraint decides as for any
booking) with a `prepayments` row `awaiting` and nothing announced; `PrepayHold` goes to billing,
which creates the payment in the shop and answers with its link. Paid, the booking is announced
(`booking.created`: reminders and the owner's alert start only then); unpaid when the hold
runs out, it is cancelled by the system (`booking.cancelled`, the customer is told by
notifier) and its time is free again. A customer's cancel inside the free-cancel window (and
any staff cancel) of a paid booking asks billing to refund it; a payment that arrives after
the hold ran out is refunded at once.
"""
