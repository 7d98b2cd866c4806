"""Disaster recovery in AWS (`reminderly dr status|drill|failover`), through boto3.

Per stage the objectives are below (dr/README.md explains them). What protects against what:
- region loss: prod's cross-region read replica (RPO: its lag, seconds); the other stages'
  RDS automated backups replicated to the DR region (point-in-time restore there, RPO minutes);
  the standby tier there takes over (`reminderly dr failover`, app_service.ops.failover);
- corruption, ransomware, a bad migration: AWS Backup daily copies into the DR region's vault,
  locked in prod (RPO: a day), and point-in-time restore in the primary region.

Clients are passed in (tests give botocore Stubbers and assert every call's parameters).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from deploy_contract import metrics as M
from deploy_contract.dr import DR_NAMESPACE, OBJECTIVES, VAULT_RPO_SECONDS, Objectives, vault_name

__all__ = ["DR_NAMESPACE", "OBJECTIVES", "VAULT_RPO_SECONDS", "Objectives", "vault_name"]


def instance_id(stage: str) -> str:
    return f"reminderly-{stage}-postgres"


# --- status ---------------------------------------------------------------------------------


@dataclass
class RestorePoints:
    stage: str
    replicated_backup_arn: str | None
    replicated_latest: datetime | None
    vault_latest: datetime | None
    newest: datetime | None
    age_seconds: float | None
    rpo_seconds: int
    breached: bool
    vault_recovery_point_arn: str | None = None  # the DR vault's newest completed copy


def restore_points(
    rds_dr: Any, backup_dr: Any, stage: str, now: datetime | None = None
) -> RestorePoints:
    """The newest restorable points in the DR region: the replicated automated backups'
    latest restorable time, and the newest completed recovery point in the DR vault."""
    now = now or datetime.now(UTC)
    replicated = rds_dr.describe_db_instance_automated_backups(
        DBInstanceIdentifier=instance_id(stage)
    )
    backups = [
        b
        for b in replicated.get("DBInstanceAutomatedBackups", [])
        if b.get("Status") in ("replicating", "active")
    ]
    arn = backups[0]["DBInstanceAutomatedBackupsArn"] if backups else None
    replicated_latest = max(
        (
            b["RestoreWindow"]["LatestTime"]
            for b in backups
            if b.get("RestoreWindow", {}).get("LatestTime")
        ),
        default=None,
    )
    points = backup_dr.list_recovery_points_by_backup_vault(
        BackupVaultName=vault_name(stage), MaxResults=100
    )
    completed = [
        p
        for p in points.get("RecoveryPoints", [])
        if p.get("Status") == "COMPLETED" and p.get("ResourceType", "RDS") == "RDS"
    ]
    newest_copy = max(completed, key=lambda p: p["CreationDate"], default=None)
    vault_latest = newest_copy["CreationDate"] if newest_copy else None
    newest = max((t for t in (replicated_latest, vault_latest) if t is not None), default=None)
    age = (now - newest).total_seconds() if newest else None
    rpo = OBJECTIVES[stage].rpo_seconds
    return RestorePoints(
        stage,
        arn,
        replicated_latest,
        vault_latest,
        newest,
        age,
        rpo,
        age is None or age > rpo,
        newest_copy["RecoveryPointArn"] if newest_copy else None,
    )


# --- drill ----------------------------------------------------------------------------------


SOURCES = ("replicated", "vault")
"""What a drill restores: `replicated`, the newest point of the RDS automated backups replicated
to the DR region (the region-loss path: the stage's objectives); `vault`, the newest AWS Backup
copy in the DR vault (the corruption and ransomware path: daily copies)."""


def objectives_for(stage: str, source: str) -> Objectives:
    o = OBJECTIVES[stage]
    return (
        o
        if source == "replicated"
        else Objectives(VAULT_RPO_SECONDS, o.rto_seconds, o.drill_every_days)
    )


@dataclass
class DrillResult:
    stage: str
    target_instance: str
    restore_started: str
    source: str = "replicated"
    restored_from: str | None = None
    verified_at: str | None = None
    rto_seconds: float | None = None
    rpo_seconds: float | None = None
    primary_latest_write: str | None = None
    verification: dict = field(default_factory=dict)
    succeeded: bool = False
    error: str | None = None
    breaches: list[str] = field(default_factory=list)


Verifier = Callable[[str, int], dict]
"""(host, port) of the restored instance -> {"tables": {...}, "latest_write": datetime}."""


def drill(
    *,
    stage: str,
    rds_dr: Any,
    backup_dr: Any,
    cloudwatch: Any,
    verify: Verifier,
    primary_latest_write: Callable[[], datetime],
    source: str = "replicated",
    instance_class: str = "db.t4g.medium",
    subnet_group: str | None = None,
    security_groups: list[str] | None = None,
    parameter_group: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    wait_delay: int = 30,
) -> DrillResult:
    """Restore the newest point of `source` into a temporary instance in the DR region (in the
    standby's subnet, security and parameter groups when given), wait for it, verify it, measure
    RTO and RPO, delete it, and publish the results as metrics.

    The drill's start is the chosen failure instant: RPO is the primary's last acknowledged
    write read then (the marker the primary publishes: write_marker), minus the restored data's
    newest write (writes made while the restore runs are not loss, so the restore time is
    excluded); RTO runs from that instant to a verified database. Whatever fails (the marker,
    no restorable point, the restore, the verification) is reported and published as a failed
    drill: the alarms must hear of it."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}")
    failure_instant = now()
    kind = "drill" if source == "replicated" else "vault-drill"
    target = f"reminderly-{stage}-{kind}-{failure_instant:%Y%m%d%H%M}"
    result = DrillResult(stage, target, failure_instant.isoformat(), source=source)
    objectives = objectives_for(stage, source)
    try:
        primary_latest = primary_latest_write()
        result.primary_latest_write = primary_latest.isoformat()
    except Exception as exc:  # no marker, a stale one, the primary unreachable: no RPO to measure
        result.error = f"the primary's last write: {_brief(exc)}"
        _publish(cloudwatch, result, objectives)
        return result
    try:
        points = restore_points(rds_dr, backup_dr, stage, failure_instant)
    except Exception as exc:  # access denied, throttled: the alarms must still hear of it
        result.error = f"the restorable points: {_brief(exc)}"
        _publish(cloudwatch, result, objectives)
        return result
    common: dict[str, Any] = {
        "DBInstanceClass": instance_class,
        "MultiAZ": False,
        "PubliclyAccessible": False,
        "DeletionProtection": False,
        "CopyTagsToSnapshot": False,
        "Tags": [{"Key": "reminderly:drill", "Value": stage}],
    }
    if subnet_group:
        common["DBSubnetGroupName"] = subnet_group
    if security_groups:
        common["VpcSecurityGroupIds"] = security_groups
    if parameter_group:
        common["DBParameterGroupName"] = parameter_group
    if source == "replicated":
        result.restored_from = points.replicated_backup_arn
        restore, params = (
            rds_dr.restore_db_instance_to_point_in_time,
            {
                "SourceDBInstanceAutomatedBackupsArn": points.replicated_backup_arn,
                "TargetDBInstanceIdentifier": target,
                "UseLatestRestorableTime": True,
                **common,
            },
        )
        missing = "no replicated automated backup in the DR region"
    else:
        result.restored_from = points.vault_recovery_point_arn
        restore, params = (
            rds_dr.restore_db_instance_from_db_snapshot,
            {
                "DBInstanceIdentifier": target,
                "DBSnapshotIdentifier": points.vault_recovery_point_arn,
                **common,
            },
        )
        missing = f"no completed recovery point in {vault_name(stage)}"
    if result.restored_from is None:
        result.error = missing
        _publish(cloudwatch, result, objectives)
        return result
    started = clock()
    created = False
    try:
        restore(**params)
        created = True
        rds_dr.get_waiter("db_instance_available").wait(
            DBInstanceIdentifier=target, WaiterConfig={"Delay": wait_delay, "MaxAttempts": 120}
        )
        endpoint = rds_dr.describe_db_instances(DBInstanceIdentifier=target)["DBInstances"][0][
            "Endpoint"
        ]
        result.verification = verify(endpoint["Address"], endpoint["Port"])
        result.rto_seconds = round(clock() - started, 1)
        result.verified_at = now().isoformat()
        restored = result.verification["latest_write"]
        result.rpo_seconds = max(0.0, round((primary_latest - restored).total_seconds(), 1))
        result.succeeded = True
    except Exception as exc:  # the drill reports its failure: that is its job
        result.error = _brief(exc)
    if created:
        try:
            rds_dr.delete_db_instance(
                DBInstanceIdentifier=target, SkipFinalSnapshot=True, DeleteAutomatedBackups=True
            )
        except Exception as exc:  # a drill instance left running costs money: someone must look
            result.succeeded = False
            result.error = "; ".join(
                filter(None, [result.error, f"{target} not deleted: {_brief(exc)}"])
            )
    _publish(cloudwatch, result, objectives)
    return result


def _brief(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc)[:300]}"


def _publish(cloudwatch: Any, result: DrillResult, objectives: Objectives) -> None:
    """The drill's outcome as metrics in the region the drill runs in (the DR region, where its
    alarms are): DrillSucceeded per stage, which the alarms read (no datapoint for a week, or a
    0), and RTO/RPO per stage and source."""
    if result.rto_seconds is not None and result.rto_seconds > objectives.rto_seconds:
        result.breaches.append(f"RTO {result.rto_seconds:.0f} s > {objectives.rto_seconds} s")
    if result.rpo_seconds is not None and result.rpo_seconds > objectives.rpo_seconds:
        result.breaches.append(f"RPO {result.rpo_seconds:.0f} s > {objectives.rpo_seconds} s")
    stage = [{"Name": M.STAGE_DIMENSION, "Value": result.stage}]
    dims = [*stage, {"Name": M.SOURCE_DIMENSION, "Value": result.source}]
    ok = 1.0 if result.succeeded and not result.breaches else 0.0
    data = [{"MetricName": M.DRILL_SUCCEEDED, "Dimensions": stage, "Value": ok, "Unit": "Count"}]
    for name, value in (
        (M.DRILL_RTO, result.rto_seconds),
        (M.DRILL_RPO, result.rpo_seconds),
    ):
        if value is not None:
            data.append({"MetricName": name, "Dimensions": dims, "Value": value, "Unit": "Seconds"})
    cloudwatch.put_metric_data(Namespace=DR_NAMESPACE, MetricData=data)


def report_json(result: DrillResult) -> str:
    return json.dumps(asdict(result), default=str, indent=2)


def reports_json(results: list[DrillResult]) -> str:
    return json.dumps([asdict(r) for r in results], default=str, indent=2)
