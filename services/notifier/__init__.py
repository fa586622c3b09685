"""notifier: every message the platform sends on its own, delivered flood-safely."""
