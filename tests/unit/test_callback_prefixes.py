"""Every button's callback data of a bot has a prefix of its own: two classes sharing one would
let a press meant for one screen be read by the other."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from aiogram.filters.callback_data import CallbackData

pytestmark = pytest.mark.unit


def _all_subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_all_subclasses(sub)]
    return found


@pytest.mark.parametrize(
    "package", ["services.booking.bot", "services.billing.bot", "services.provisioner.bot"]
)
def test_callback_data_prefixes_are_unique_within_a_bot(package: str) -> None:
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        importlib.import_module(module.name)
    owners: dict[str, list[str]] = {}
    for cls in _all_subclasses(CallbackData):
        if cls.__module__.startswith(package):
            owners.setdefault(cls.__prefix__, []).append(cls.__qualname__)
    shared = {prefix: names for prefix, names in owners.items() if len(names) > 1}
    assert owners, f"no callback data found in {package}"
    assert not shared, f"prefixes used twice in {package}: {shared}"
