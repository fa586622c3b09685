"""Services of the platform: one package per service."""
