"""Emulators of the external APIs the platform talks to (Telegram, YooKassa)."""
