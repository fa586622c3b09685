"""Adapters of the notifier: the Postgres delivery table, the Redis flood limiter, the Bot API."""
