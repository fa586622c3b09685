"""The provisioner's logic: provisioning and renewals, the paid period, reconciliation, the
operator's console."""

from services.provisioner.use_cases.console import (
    Console,
    Deletion,
    Migrated,
    PlatformStats,
    TenantCard,
    TenantPage,
    cli_actor,
    operator_actor,
)
from services.provisioner.use_cases.lifecycle import Lifecycle, SweepReport
from services.provisioner.use_cases.manual_tenant import ManualTenants
from services.provisioner.use_cases.provisioning import Provisioning
from services.provisioner.use_cases.reconcile import Reconciled, Reconciler
from services.provisioner.use_cases.refunds import PaymentNotApplied, Refunds
from services.provisioner.use_cases.rotation import Rotated, SecretRotation

__all__ = [
    "Console",
    "Deletion",
    "Lifecycle",
    "ManualTenants",
    "Migrated",
    "PaymentNotApplied",
    "PlatformStats",
    "Provisioning",
    "Reconciled",
    "Reconciler",
    "Refunds",
    "Rotated",
    "SecretRotation",
    "SweepReport",
    "TenantCard",
    "TenantPage",
    "cli_actor",
    "operator_actor",
]
