"""The booking domain: schedule inputs, the availability engine and its errors (pure, no I/O)."""
