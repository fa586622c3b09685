"""Adapters of the booking service: Postgres repositories and other outside systems."""
