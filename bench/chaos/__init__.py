"""The chaos run (`make chaos`): the whole stack on private infrastructure, steady load,
random faults, then invariants read from the real stores. See `bench.chaos.run`."""
