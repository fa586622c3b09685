"""Benchmarks of the running stack: `make bench` (booking) and `make bench-provisioning`."""
