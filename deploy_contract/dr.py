"""Disaster-recovery objectives per stage: the drill (app_service/ops/dr.py) measures against
them, and the standby's monitoring alarms on them (dr/README.md explains them)."""

from __future__ import annotations

from dataclasses import dataclass

from deploy_contract.metrics import DR_NAMESPACE
from deploy_contract.naming import vault_name

__all__ = ["DR_NAMESPACE", "OBJECTIVES", "VAULT_RPO_SECONDS", "Objectives", "vault_name"]


@dataclass(frozen=True)
class Objectives:
    rpo_seconds: int
    rto_seconds: int
    drill_every_days: int


OBJECTIVES = {
    "dev": Objectives(rpo_seconds=24 * 3600, rto_seconds=8 * 3600, drill_every_days=7),
    "staging": Objectives(rpo_seconds=3600, rto_seconds=4 * 3600, drill_every_days=7),
    "prod": Objectives(rpo_seconds=15 * 60, rto_seconds=2 * 3600, drill_every_days=7),
}
"""RPO: the newest restorable point in the DR region may be at most this old. RTO: from the
decision to restore to a verified database. A successful drill at least this often (CloudWatch
evaluates at most 7 days of daily periods, so the alarm cannot look further back)."""

VAULT_RPO_SECONDS = 26 * 3600
"""The DR vault's copies are daily (05:00 UTC) and copied within hours: their RPO is a day, plus
the copy's time. Their RTO is the stage's."""
