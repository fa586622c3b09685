"""Adapters of the provisioner: Postgres registry, Bot API, tenant directory."""
