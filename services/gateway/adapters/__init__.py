"""Adapters of the gateway: NATS publishing, the bot registry, long polling."""
