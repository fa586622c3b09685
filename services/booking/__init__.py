"""The booking service: the tenant bots' conversations and each tenant's schedule."""
