"""gateway: the only door for Telegram updates of every bot; publishes them to JetStream."""
