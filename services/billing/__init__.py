"""Billing: the sales bot, plans, YooKassa payments and the payment ledger."""
