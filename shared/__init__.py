"""Code every service shares: settings, messages, subjects, tenancy, logging, metrics."""
