"""What a running service holds, for `bench.memory` (on the services' PYTHONPATH only there).

With `HEAPCOUNT_DIR` set, SIGUSR2 makes the process write `HEAPCOUNT_DIR/<pid>.json`: live
container objects per type after a full collection, and the allocator's block count; with
`HEAPCOUNT_TRACE=1` too, `tracemalloc` runs from start-up and the dump adds the bytes held per
allocating line. Two dumps taken at two tenant counts show what grows with the tenants.
Product code never imports this; a process started without `HEAPCOUNT_DIR` is left untouched.
"""

from __future__ import annotations

import collections
import gc
import json
import os
import signal
import sys
import tracemalloc
from pathlib import Path
from types import FrameType


def _dump(_signum: int, _frame: FrameType | None) -> None:
    folder = Path(os.environ["HEAPCOUNT_DIR"])
    gc.collect()
    counts: collections.Counter[str] = collections.Counter()
    for obj in gc.get_objects():
        kind = type(obj)
        counts[f"{kind.__module__}.{kind.__qualname__}"] += 1
    found: dict[str, object] = {
        "blocks": sys.getallocatedblocks(),
        "objects": sum(counts.values()),
        "types": dict(counts.most_common(400)),
    }
    if tracemalloc.is_tracing():
        stats = tracemalloc.take_snapshot().statistics("lineno")
        found["lines_kib"] = {
            f"{s.traceback[0].filename}:{s.traceback[0].lineno}": round(s.size / 1024, 1)
            for s in stats[:400]
        }
    target = folder / f"{os.getpid()}.json"
    partial = target.with_suffix(".part")
    partial.write_text(json.dumps(found))
    partial.rename(target)


if os.environ.get("HEAPCOUNT_DIR"):
    if os.environ.get("HEAPCOUNT_TRACE") == "1":
        tracemalloc.start()
    signal.signal(signal.SIGUSR2, _dump)
