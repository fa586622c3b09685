"""Billing adapters: Postgres, Bot API, YooKassa."""
