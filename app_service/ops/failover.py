"""A region failover (and failback) as a resumable plan of idempotent steps.

(Over 400 lines on purpose: on-call reads the failover and failback plans as one procedure,
each step beside the helpers it uses; split, the code of one runbook would be in three files.)

`reminderly dr failover --stage S` prints the plan, then runs it step by step. Each step first
reads what is already true (so running it twice changes nothing) and is recorded as done in an
SSM parameter in the DR region (naming.failover_state) before the next starts: a failover
interrupted halfway resumes where it stopped, or is rolled back (`--rollback`: the reversible
steps undone, newest first; promoting a replica and detaching the secret's replica are not
reversible, failback is).

The API's name is two Route 53 failover records the stacks own (dr/README.md): the traffic
step never edits them, it pins the PRIMARY's calculated health check unhealthy (failover) or
unpins it (rollback, failback).

Every name it acts on comes from deploy_contract.naming (the stacks name their resources with
the same functions) or from the DR stacks' outputs; tests/infra checks both against the
synthesized templates. Clients are passed in: tests give botocore Stubbers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from deploy_contract import naming

STANDBY_ALWAYS_ON = ("replica-lag-high", "dr-drill-overdue", "dr-drill-objective-breached")
"""Standby alarms whose actions stay on in standby (rollback and failback leave them on): the
replica's lag, and the weekly drill's, which runs in the DR region."""
ROUTE53_REGION = "us-east-1"  # Route 53's control plane


class Clients:
    """boto3 clients by (service, region); the factory makes real ones, tests give stubs."""

    def __init__(self, factory: Callable[[str, str], Any]) -> None:
        self._factory, self._made = factory, {}

    def __call__(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._made:
            self._made[key] = self._factory(service, region)
        return self._made[key]


@dataclass(frozen=True)
class StageDefaults:
    """The stage's settings a failover restores and scales with (cdk/config.py holds the
    deployed ones; the image carries no CDK code: tests/infra checks these agree)."""

    api_tasks: int
    worker_tasks: int
    backup_retention_days: int
    instance_class: str
    multi_az: bool
    deletion_protection: bool


STAGE_DEFAULTS = {
    "dev": StageDefaults(1, 1, 7, "db.t4g.medium", False, False),
    "staging": StageDefaults(2, 1, 14, "db.m7g.large", False, True),
    "prod": StageDefaults(3, 2, 35, "db.r7g.large", True, True),
}


@dataclass(frozen=True)
class Target:
    """What the plan needs to know of a stage, with the values read from the DR stacks."""

    stage: str
    primary_region: str
    dr_region: str
    api_tasks: int
    worker_tasks: int
    backup_retention_days: int
    instance_class: str
    multi_az: bool
    deletion_protection: bool
    outputs: dict[str, str] = field(default_factory=dict)  # the dr-service and dr-database outputs

    @property
    def instance(self) -> str:
        return naming.dr_instance(self.stage)

    @property
    def prefix(self) -> str:
        return naming.resource_prefix(self.stage)


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    run: Callable[[Clients, dict], None]  # reads first, acts only when needed; may add to data
    undo: Callable[[Clients, dict], None] | None = None  # None: not reversible


def stack_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def read_target(clients: Clients, **settings: Any) -> Target:
    """The target with the DR stacks' outputs (load balancer, database security group)."""
    stage, region = settings["stage"], settings["dr_region"]
    cfn = clients("cloudformation", region)
    outputs = {
        **stack_outputs(cfn, naming.stack_name(stage, "dr-database")),
        **stack_outputs(cfn, naming.stack_name(stage, "dr-service")),
    }
    return Target(outputs=outputs, **settings)


# --- reading the state ----------------------------------------------------------------------


def describe_instance(rds: Any, identifier: str) -> dict | None:
    """The instance, or None when it does not exist."""
    try:
        return rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
    except ClientError as e:
        if e.response["Error"]["Code"] == "DBInstanceNotFound":
            return None
        raise


def _secret(clients: Clients, region: str, secret_id: str) -> dict:
    sm = clients("secretsmanager", region)
    return json.loads(sm.get_secret_value(SecretId=secret_id)["SecretString"])


def _put_host(clients: Clients, region: str, stage: str, host: str | dict[str, str]) -> None:
    """Point every database secret (the master's and each login's: the tasks read their host
    from their own login's secret) at `host` (one for all, or one per secret)."""
    for secret_id in naming.database_secrets(stage):
        wanted = host if isinstance(host, str) else host.get(secret_id)
        current = _secret(clients, region, secret_id)
        if wanted and current.get("host") != wanted:
            clients("secretsmanager", region).put_secret_value(
                SecretId=secret_id, SecretString=json.dumps({**current, "host": wanted})
            )


def _scale(clients: Clients, t: Target, counts: dict[str, int]) -> None:
    """Raise (or drop) the autoscaling minimum, then the desired count: a minimum of zero would
    let scale-in take a just-started standby back down."""
    cluster = naming.dr_cluster(t.stage)
    for service, count in counts.items():
        clients("application-autoscaling", t.dr_region).register_scalable_target(
            ServiceNamespace="ecs",
            ResourceId=f"service/{cluster}/{service}",
            ScalableDimension="ecs:service:DesiredCount",
            MinCapacity=count,
        )
        clients("ecs", t.dr_region).update_service(
            cluster=cluster, service=service, desiredCount=count
        )


def _standby_alarms(clients: Clients, t: Target) -> list[str]:
    described = clients("cloudwatch", t.dr_region).describe_alarms(
        AlarmNamePrefix=f"{t.prefix}-", AlarmTypes=["MetricAlarm", "CompositeAlarm"]
    )
    names = [a["AlarmName"] for a in described.get("MetricAlarms", [])]
    return names + [a["AlarmName"] for a in described.get("CompositeAlarms", [])]


def _name(t: Target) -> str:
    return t.outputs["DomainName"].rstrip(".") + "."


def _failover_records(clients: Clients, t: Target) -> dict[str, dict]:
    """The API name's PRIMARY and SECONDARY failover alias records (the service and
    dr-service stacks make them), by failover role."""
    r53 = clients("route53", ROUTE53_REGION)
    zone_name = t.outputs["HostedZoneName"].rstrip(".") + "."
    zones = r53.list_hosted_zones_by_name(DNSName=zone_name, MaxItems="1")["HostedZones"]
    if not zones or zones[0]["Name"] != zone_name:
        raise RuntimeError(f"no hosted zone {zone_name}")
    zone = zones[0]["Id"].split("/")[-1]
    records = r53.list_resource_record_sets(
        HostedZoneId=zone, StartRecordName=_name(t), StartRecordType="A", MaxItems="2"
    )["ResourceRecordSets"]
    found = {
        r["Failover"]: r
        for r in records
        if r["Name"] == _name(t) and r["Type"] == "A" and r.get("Failover")
    }
    if set(found) != {"PRIMARY", "SECONDARY"} or not found["PRIMARY"].get("HealthCheckId"):
        raise RuntimeError(
            f"{_name(t)} lacks its PRIMARY (with a health check) and SECONDARY failover "
            "records: deploy the service and dr-service stacks first"
        )
    return found


def _same_host(a: str, b: str) -> bool:
    def norm(h: str) -> str:
        return h.lower().rstrip(".").removeprefix("dualstack.")

    return norm(a) == norm(b)


def _primary_check(clients: Clients, t: Target, records: dict[str, dict]) -> tuple[str, dict]:
    """(id, config) of the calculated health check the PRIMARY record answers by."""
    check_id = records["PRIMARY"]["HealthCheckId"]
    got = clients("route53", ROUTE53_REGION).get_health_check(HealthCheckId=check_id)
    config = got["HealthCheck"]["HealthCheckConfig"]
    if config.get("Type") != "CALCULATED" or not config.get("ChildHealthChecks"):
        raise RuntimeError(
            f"health check {check_id} of {_name(t)} is not the stacks' calculated check"
        )
    return check_id, config


def _set_threshold(clients: Clients, check_id: str, config: dict, threshold: int) -> None:
    if config.get("HealthThreshold") != threshold:
        clients("route53", ROUTE53_REGION).update_health_check(
            HealthCheckId=check_id, HealthThreshold=threshold
        )


def pin_to_standby(clients: Clients, t: Target, data: dict) -> None:
    """Route 53 answers the SECONDARY record (the standby's load balancer) from now on: the
    primary's calculated health check needs more healthy children than it has, which Route 53
    treats as always unhealthy, so a recovered primary region cannot draw traffic back."""
    records = _failover_records(clients, t)
    secondary = records["SECONDARY"].get("AliasTarget", {}).get("DNSName", "")
    if not _same_host(secondary, t.outputs.get("LoadBalancerDnsName", "")):
        raise RuntimeError(
            f"the SECONDARY record of {_name(t)} points at {secondary}, not the standby's "
            "load balancer: deploy the dr-service stack"
        )
    check_id, config = _primary_check(clients, t, records)
    data.setdefault("previous_threshold", config["HealthThreshold"])
    _set_threshold(clients, check_id, config, len(config["ChildHealthChecks"]) + 1)


def unpin(clients: Clients, t: Target, require_primary_healthy: bool) -> None:
    """The PRIMARY record answers again whenever the primary's /v1/ready passes. With
    `require_primary_healthy`, refuse unless most of Route 53's checkers see it pass now."""
    records = _failover_records(clients, t)
    check_id, config = _primary_check(clients, t, records)
    children = config["ChildHealthChecks"]
    if require_primary_healthy:
        for child in children:
            seen = clients("route53", ROUTE53_REGION).get_health_check_status(HealthCheckId=child)
            reports = [o["StatusReport"]["Status"] for o in seen["HealthCheckObservations"]]
            passing = sum(r.startswith("Success") for r in reports)
            if not reports or passing * 2 <= len(reports):
                raise RuntimeError(
                    f"Route 53 sees the primary's /v1/ready passing from {passing} of "
                    f"{len(reports)} checkers: make it ready, then resume"
                )
    _set_threshold(clients, check_id, config, len(children))


# --- the failover ---------------------------------------------------------------------------


def failover_steps(t: Target, replicated_backup_arn: str | None) -> list[Step]:
    """prod promotes its replica; other stages restore the newest replicated point into the
    standby's subnet group, security group and parameter group under the same name."""
    rds = lambda c: c("rds", t.dr_region)  # noqa: E731

    def database(c: Clients, data: dict) -> None:
        found = describe_instance(rds(c), t.instance)
        if found is not None:
            if (
                found.get("ReadReplicaSourceDBInstanceIdentifier")
                and found["DBInstanceStatus"] == "available"
            ):
                rds(c).promote_read_replica(
                    DBInstanceIdentifier=t.instance, BackupRetentionPeriod=t.backup_retention_days
                )
            return  # restored or promoted already (or promotion under way: the next step waits)
        if replicated_backup_arn is None:
            raise RuntimeError(
                f"no {t.instance} and no replicated automated backup in {t.dr_region}"
            )
        rds(c).restore_db_instance_to_point_in_time(
            SourceDBInstanceAutomatedBackupsArn=replicated_backup_arn,
            TargetDBInstanceIdentifier=t.instance,
            UseLatestRestorableTime=True,
            DBInstanceClass=t.instance_class,
            DBSubnetGroupName=naming.dr_subnet_group(t.stage),
            VpcSecurityGroupIds=[t.outputs["SecurityGroupId"]],
            DBParameterGroupName=naming.dr_parameter_group(t.stage),
            MultiAZ=t.multi_az,
            PubliclyAccessible=False,
            DeletionProtection=t.deletion_protection,
            CopyTagsToSnapshot=True,
            EnableIAMDatabaseAuthentication=True,
            Tags=[{"Key": "reminderly:failover", "Value": t.stage}],
        )

    def wait(c: Clients, data: dict) -> None:
        rds(c).get_waiter("db_instance_available").wait(
            DBInstanceIdentifier=t.instance, WaiterConfig={"Delay": 30, "MaxAttempts": 120}
        )
        found = describe_instance(rds(c), t.instance)
        if found is None or found.get("ReadReplicaSourceDBInstanceIdentifier"):
            raise RuntimeError(
                f"{t.instance} is not a standalone instance yet: resume to wait again"
            )
        data["endpoint"] = found["Endpoint"]["Address"]

    def detach_secret(c: Clients, data: dict) -> None:
        sm = c("secretsmanager", t.dr_region)
        for secret_id in naming.database_secrets(t.stage):
            described = sm.describe_secret(SecretId=secret_id)
            if described.get("PrimaryRegion", t.dr_region) != t.dr_region:
                sm.stop_replication_to_replica(SecretId=secret_id)

    def repoint_secret(c: Clients, data: dict) -> None:
        data.setdefault(
            "previous_hosts",
            {s: _secret(c, t.dr_region, s).get("host") for s in naming.database_secrets(t.stage)},
        )
        _put_host(c, t.dr_region, t.stage, data["endpoint"])

    def unrepoint_secret(c: Clients, data: dict) -> None:
        if data.get("previous_hosts"):
            _put_host(c, t.dr_region, t.stage, data["previous_hosts"])

    def alarms_on(c: Clients, data: dict) -> None:
        c("cloudwatch", t.dr_region).enable_alarm_actions(AlarmNames=_standby_alarms(c, t))

    def alarms_off(c: Clients, data: dict) -> None:
        names = [n for n in _standby_alarms(c, t) if not n.endswith(STANDBY_ALWAYS_ON)]
        c("cloudwatch", t.dr_region).disable_alarm_actions(AlarmNames=names)

    def traffic_back(c: Clients, data: dict) -> None:
        unpin(c, t, require_primary_healthy=False)

    promote = (
        "Promote the standing replica"
        if replicated_backup_arn is None
        else (
            "Restore the newest replicated point into the standby's subnet, security and parameter groups"
        )
    )
    return [
        Step("database", f"{promote} as {t.instance}", database),
        Step("wait", f"Wait until {t.instance} is available and standalone", wait),
        Step(
            "detach-secret",
            "Make the database secrets' DR replicas standalone secrets",
            detach_secret,
        ),
        Step(
            "repoint-secret",
            "Point the DR database secrets at the new instance",
            repoint_secret,
            unrepoint_secret,
        ),
        Step(
            "scale",
            f"Scale the standby services up (api {t.api_tasks}, worker {t.worker_tasks})",
            lambda c, d: _scale(c, t, {"api": t.api_tasks, "worker": t.worker_tasks}),
            lambda c, d: _scale(c, t, {"api": 0, "worker": 0}),
        ),
        Step(
            "alarms",
            "Turn the standby's alarm actions on (paging, OpsItems)",
            alarms_on,
            alarms_off,
        ),
        Step(
            "traffic",
            f"Pin {t.outputs.get('DomainName')} to the standby's load balancer (Route 53 failover)",
            lambda c, d: pin_to_standby(c, t, d),
            traffic_back,
        ),
    ]


def failback_steps(t: Target) -> list[Step]:
    """Back to the primary region once its database was rebuilt from the DR side (dr/README.md):
    the primary's secret points at it, the name is unpinned once Route 53 sees the primary
    ready, the standby returns to zero, and the secret replicates to the DR region again."""
    primary = naming.resource_prefix(t.stage) + "-postgres"

    def primary_ready(c: Clients, data: dict) -> None:
        found = describe_instance(c("rds", t.primary_region), primary)
        if (
            found is None
            or found["DBInstanceStatus"] != "available"
            or found.get("ReadReplicaSourceDBInstanceIdentifier")
        ):
            raise RuntimeError(
                f"{primary} in {t.primary_region} is not an available standalone instance: "
                "rebuild it from the DR side first (dr/README.md)"
            )
        data["endpoint"] = found["Endpoint"]["Address"]

    def replicate(c: Clients, data: dict) -> None:
        sm = c("secretsmanager", t.primary_region)
        for secret_id in naming.database_secrets(t.stage):
            described = sm.describe_secret(SecretId=secret_id)
            if any(r["Region"] == t.dr_region for r in described.get("ReplicationStatus", [])):
                continue
            sm.replicate_secret_to_regions(
                SecretId=secret_id,
                ForceOverwriteReplicaSecret=True,
                AddReplicaRegions=[
                    {"Region": t.dr_region, "KmsKeyId": f"alias/{t.prefix}-rds-backup-replication"}
                ],
            )

    def alarms_off(c: Clients, data: dict) -> None:
        names = [n for n in _standby_alarms(c, t) if not n.endswith(STANDBY_ALWAYS_ON)]
        c("cloudwatch", t.dr_region).disable_alarm_actions(AlarmNames=names)

    return [
        Step(
            "primary-database", f"Check {primary} in {t.primary_region} is available", primary_ready
        ),
        Step(
            "primary-secret",
            "Point the primary's database secrets at it",
            lambda c, d: _put_host(c, t.primary_region, t.stage, d["endpoint"]),
        ),
        Step(
            "traffic",
            f"Unpin {t.outputs.get('DomainName')}: the primary answers once Route 53 sees it ready",
            lambda c, d: unpin(c, t, require_primary_healthy=True),
        ),
        Step(
            "scale",
            "Scale the standby services back to zero",
            lambda c, d: _scale(c, t, {"api": 0, "worker": 0}),
        ),
        Step(
            "alarms", "Turn the standby's alarm actions off (replica-lag-high stays on)", alarms_off
        ),
        Step(
            "replicate-secret", "Replicate the database secrets to the DR region again", replicate
        ),
    ]


# --- running, recording, resuming -----------------------------------------------------------


def read_state(clients: Clients, t: Target) -> dict:
    value = clients("ssm", t.dr_region).get_parameter(Name=naming.failover_state(t.stage))
    return json.loads(value["Parameter"]["Value"])


def _record(clients: Clients, t: Target, state: dict) -> None:
    clients("ssm", t.dr_region).put_parameter(
        Name=naming.failover_state(t.stage),
        Value=json.dumps(state, sort_keys=True),
        Type="String",
        Overwrite=True,
    )


def run(
    plan: str,
    steps: list[Step],
    clients: Clients,
    t: Target,
    log: Callable[[str], None],
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict:
    """Run (or resume) `plan`: skip the steps the state records as done, record each one done
    as it finishes. Refuses while another plan is unfinished."""
    state = read_state(clients, t)
    if state.get("plan") not in (None, plan) and state.get("status") == "running":
        raise RuntimeError(f"a {state['plan']} is unfinished: resume it or roll it back first")
    if state.get("plan") != plan or state.get("status") != "running":
        state = {
            "plan": plan,
            "status": "running",
            "started": now().isoformat(),
            "done": [],
            "data": {},
        }
        _record(clients, t, state)
    for n, step in enumerate(steps, start=1):
        if step.key in state["done"]:
            log(f"step {n}/{len(steps)}: {step.title}: done before")
            continue
        log(f"step {n}/{len(steps)}: {step.title}")
        step.run(clients, state["data"])
        state["done"].append(step.key)
        _record(clients, t, state)
    state["status"] = "done"
    state["finished"] = now().isoformat()
    _record(clients, t, state)
    return state


def rollback(
    plan: str, steps: list[Step], clients: Clients, t: Target, log: Callable[[str], None]
) -> dict:
    """Undo the recorded steps of an unfinished `plan`, newest first; stops at the first that
    cannot be undone (the rest of the way is failback)."""
    state = read_state(clients, t)
    if state.get("plan") != plan or state.get("status") != "running":
        raise RuntimeError(f"no unfinished {plan} to roll back")
    by_key = {s.key: s for s in steps}
    for key in reversed(list(state["done"])):
        step = by_key[key]
        if step.undo is None:
            log(f"{step.title}: cannot be undone; stopping here (fail back instead)")
            break
        log(f"undo: {step.title}")
        step.undo(clients, state["data"])
        state["done"].remove(key)
        _record(clients, t, state)
    if not state["done"]:
        state["status"] = "rolled-back"
        _record(clients, t, state)
    return state
