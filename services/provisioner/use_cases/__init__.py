"""The provisioner's logic: provisioning and renewals, the paid-period lifecycle, operator actions."""

from services.provisioner.use_cases.lifecycle import Lifecycle
from services.provisioner.use_cases.provisioning import Provisioning

__all__ = ["Lifecycle", "Provisioning"]
