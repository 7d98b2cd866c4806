"""The region failover as a resumable plan, with botocore Stubbers: every call's parameters
asserted, and the order of all calls across clients; an interruption at each step, then the
resume; a rollback; the failback; the CLI's printed plan."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner

from app_service.cli import dr as dr_cli
from app_service.cli import main
from app_service.ops import failover

DR, PRIMARY = "us-west-2", "us-east-1"
# every secret that names the host: the master's and each login's (the tasks read their own)
SECRETS = [
    "reminderly-prod/database/master",
    "reminderly-prod/database/owner",
    "reminderly-prod/database/api",
    "reminderly-prod/database/worker",
]
STATE = "/reminderly/prod/dr/failover-state"
OUTPUTS = {
    "SecurityGroupId": "sg-0dr",
    "LoadBalancerDnsName": "dr-alb-1.us-west-2.elb.amazonaws.com",
    "LoadBalancerZoneId": "Z1H1FL5HABSF5",
    "DomainName": "api.reminders.brightsmile.dental",
    "HostedZoneName": "reminders.brightsmile.dental",
}
TARGET = failover.Target(
    stage="prod",
    primary_region=PRIMARY,
    dr_region=DR,
    api_tasks=3,
    worker_tasks=2,
    backup_retention_days=35,
    instance_class="db.r7g.large",
    multi_az=True,
    deletion_protection=True,
    outputs=OUTPUTS,
)
SECRET_VALUE = {
    "host": "primary.rds",
    "port": 5432,
    "username": "reminderly",
    "password": "pw",
    "dbname": "reminderly",
}
ALARMS = ["reminderly-prod-dead-messages", "reminderly-prod-replica-lag-high"]


class Recorded:
    """Matches a put_parameter Value: the state JSON with these steps done and this status;
    keeps the value (a resumed run reads it back)."""

    last: str | None = None

    def __init__(self, done: list[str], status: str = "running") -> None:
        self.done, self.status = done, status

    def __eq__(self, value: object) -> bool:
        state = json.loads(str(value))
        Recorded.last = str(value)
        return state["done"] == self.done and state["status"] == self.status

    def __repr__(self) -> str:
        return f"state(done={self.done}, status={self.status})"


class Script:
    """Stubbed clients by (service, region), and the expected calls in order across them."""

    def __init__(self) -> None:
        self.clients: dict[tuple[str, str], object] = {}
        self.stubs: dict[tuple[str, str], Stubber] = {}
        self.expected: list[tuple[str, str]] = []
        self.seen: list[tuple[str, str]] = []

    def client(self, service: str, region: str):
        key = (service, region)
        if key not in self.clients:
            c = boto3.client(service, region_name=region)
            c.meta.events.register("before-parameter-build", self._log(service))
            self.clients[key], self.stubs[key] = c, Stubber(c)
            self.stubs[key].activate()
        return self.clients[key]

    def _log(self, service: str):
        def log(model, **_):
            self.seen.append((service, model.name))

        return log

    def call(
        self, service: str, region: str, method: str, params: dict, response: dict | None = None
    ):
        self.client(service, region)
        self.stubs[(service, region)].add_response(method, response or {}, params)
        self.expected.append((service, method))

    def fail(
        self,
        service: str,
        region: str,
        method: str,
        params: dict,
        code: str = "ThrottlingException",
    ):
        self.client(service, region)
        self.stubs[(service, region)].add_client_error(
            method, code, "interrupted", expected_params=params
        )
        self.expected.append((service, method))

    def factory(self):
        return failover.Clients(self.client)

    def check(self) -> None:
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()
        api = {s: c.meta.method_to_api_mapping for (s, _), c in self.clients.items()}
        assert self.seen == [(s, api[s][m]) for s, m in self.expected]


def record(s: Script, done: list[str], status: str = "running") -> None:
    s.call(
        "ssm",
        DR,
        "put_parameter",
        {"Name": STATE, "Value": Recorded(done, status), "Type": "String", "Overwrite": True},
        {"Version": 1},
    )


def instance(**extra) -> dict:
    return {
        "DBInstances": [
            {
                "DBInstanceIdentifier": "reminderly-prod-postgres-dr",
                "DBInstanceStatus": "available",
                "Endpoint": {"Address": "dr.rds", "Port": 5432},
                **extra,
            }
        ]
    }


REPLICA = {
    "ReadReplicaSourceDBInstanceIdentifier": "arn:aws:rds:us-east-1:410987654321:db:reminderly-prod-postgres"
}
DB = {"DBInstanceIdentifier": "reminderly-prod-postgres-dr"}


def step_calls(s: Script, key: str, fail: bool = False) -> None:
    """The calls of one prod failover step; with `fail`, its first call fails (interruption)."""
    first = s.fail if fail else s.call
    if key == "database":
        first("rds", DR, "describe_db_instances", DB, *(() if fail else (instance(**REPLICA),)))
        if not fail:
            s.call("rds", DR, "promote_read_replica", {**DB, "BackupRetentionPeriod": 35})
    elif key == "wait":
        first(
            "rds", DR, "describe_db_instances", DB, *(() if fail else (instance(),))
        )  # the waiter
        if not fail:
            s.call("rds", DR, "describe_db_instances", DB, instance())
    elif key == "detach-secret":
        first(
            "secretsmanager",
            DR,
            "describe_secret",
            {"SecretId": SECRETS[0]},
            *(() if fail else ({"PrimaryRegion": PRIMARY},)),
        )
        if not fail:
            s.call("secretsmanager", DR, "stop_replication_to_replica", {"SecretId": SECRETS[0]})
            for secret in SECRETS[1:]:
                s.call(
                    "secretsmanager",
                    DR,
                    "describe_secret",
                    {"SecretId": secret},
                    {"PrimaryRegion": PRIMARY},
                )
                s.call("secretsmanager", DR, "stop_replication_to_replica", {"SecretId": secret})
    elif key == "repoint-secret":
        value = {"SecretString": json.dumps(SECRET_VALUE)}
        first(
            "secretsmanager",
            DR,
            "get_secret_value",
            {"SecretId": SECRETS[0]},
            *(() if fail else (value,)),
        )
        if not fail:
            for secret in SECRETS[1:]:  # the hosts before, for a rollback
                s.call("secretsmanager", DR, "get_secret_value", {"SecretId": secret}, value)
            for secret in SECRETS:
                s.call("secretsmanager", DR, "get_secret_value", {"SecretId": secret}, value)
                s.call(
                    "secretsmanager",
                    DR,
                    "put_secret_value",
                    {
                        "SecretId": secret,
                        "SecretString": json.dumps({**SECRET_VALUE, "host": "dr.rds"}),
                    },
                )
    elif key == "scale":
        for n, (service, count) in enumerate((("api", 3), ("worker", 2))):
            (first if n == 0 else s.call)(
                "application-autoscaling",
                DR,
                "register_scalable_target",
                {
                    "ServiceNamespace": "ecs",
                    "ResourceId": f"service/reminderly-prod-dr/{service}",
                    "ScalableDimension": "ecs:service:DesiredCount",
                    "MinCapacity": count,
                },
            )
            if fail:
                return
            s.call(
                "ecs",
                DR,
                "update_service",
                {"cluster": "reminderly-prod-dr", "service": service, "desiredCount": count},
            )
    elif key == "alarms":
        described = {
            "MetricAlarms": [{"AlarmName": ALARMS[0]}, {"AlarmName": ALARMS[1]}],
            "CompositeAlarms": [{"AlarmName": "reminderly-prod-service-degraded"}],
        }
        first(
            "cloudwatch",
            DR,
            "describe_alarms",
            {
                "AlarmNamePrefix": "reminderly-prod-",
                "AlarmTypes": ["MetricAlarm", "CompositeAlarm"],
            },
            *(() if fail else (described,)),
        )
        if not fail:
            s.call(
                "cloudwatch",
                DR,
                "enable_alarm_actions",
                {"AlarmNames": [*ALARMS, "reminderly-prod-service-degraded"]},
            )
    elif key == "traffic":
        first(
            "route53",
            PRIMARY,
            "list_hosted_zones_by_name",
            {"DNSName": "reminders.brightsmile.dental.", "MaxItems": "1"},
            *(() if fail else (ZONES,)),
        )
        if fail:
            return
        dns_calls(s, threshold_now=1, threshold_set=2)


ZONES = {
    "HostedZones": [
        {
            "Id": "/hostedzone/Z0123456789ABCDEFGHIJ",
            "Name": "reminders.brightsmile.dental.",
            "CallerReference": "x",
        }
    ],
    "IsTruncated": False,
    "MaxItems": "1",
}
NAME = "api.reminders.brightsmile.dental."
RECORDS = {
    "ResourceRecordSets": [
        {
            "Name": NAME,
            "Type": "A",
            "SetIdentifier": "primary",
            "Failover": "PRIMARY",
            "HealthCheckId": "hc-active",
            "AliasTarget": {
                "HostedZoneId": "Z35SXDOTRQ7X7K",
                "DNSName": "dualstack.primary-alb.us-east-1.elb.amazonaws.com.",
                "EvaluateTargetHealth": True,
            },
        },
        {
            "Name": NAME,
            "Type": "A",
            "SetIdentifier": "secondary",
            "Failover": "SECONDARY",
            "AliasTarget": {
                "HostedZoneId": "Z1H1FL5HABSF5",
                "DNSName": "dualstack.dr-alb-1.us-west-2.elb.amazonaws.com.",
                "EvaluateTargetHealth": True,
            },
        },
    ],
    "IsTruncated": False,
    "MaxItems": "2",
}


def active_check(threshold: int) -> dict:
    return {
        "HealthCheck": {
            "Id": "hc-active",
            "CallerReference": "r",
            "HealthCheckVersion": 1,
            "HealthCheckConfig": {
                "Type": "CALCULATED",
                "ChildHealthChecks": ["hc-ready"],
                "HealthThreshold": threshold,
            },
        }
    }


def dns_calls(
    s: Script,
    threshold_now: int,
    threshold_set: int | None,
    zones: bool = False,
    records: dict = RECORDS,
    ready_reports: list[str] | None = None,
) -> None:
    """The failover records read, the PRIMARY's calculated check read, (the primary's
    readiness as Route 53 sees it,) and its threshold set when it differs."""
    if zones:
        s.call(
            "route53",
            PRIMARY,
            "list_hosted_zones_by_name",
            {"DNSName": "reminders.brightsmile.dental.", "MaxItems": "1"},
            ZONES,
        )
    s.call(
        "route53",
        PRIMARY,
        "list_resource_record_sets",
        {
            "HostedZoneId": "Z0123456789ABCDEFGHIJ",
            "StartRecordName": NAME,
            "StartRecordType": "A",
            "MaxItems": "2",
        },
        records,
    )
    if records is not RECORDS:
        return
    s.call(
        "route53",
        PRIMARY,
        "get_health_check",
        {"HealthCheckId": "hc-active"},
        active_check(threshold_now),
    )
    if ready_reports is not None:
        s.call(
            "route53",
            PRIMARY,
            "get_health_check_status",
            {"HealthCheckId": "hc-ready"},
            {
                "HealthCheckObservations": [
                    {
                        "Region": "us-east-1",
                        "IPAddress": f"15.177.0.{n}",
                        "StatusReport": {"Status": r},
                    }
                    for n, r in enumerate(ready_reports)
                ]
            },
        )
        if sum(r.startswith("Success") for r in ready_reports) * 2 <= len(ready_reports):
            return
    if threshold_set is not None and threshold_set != threshold_now:
        s.call(
            "route53",
            PRIMARY,
            "update_health_check",
            {"HealthCheckId": "hc-active", "HealthThreshold": threshold_set},
            active_check(threshold_set),
        )


KEYS = [s.key for s in failover.failover_steps(TARGET, None)]


def start_state(s: Script, state: str | None) -> None:
    fresh = json.dumps({"plan": None, "status": "standby", "done": [], "data": {}})
    s.call("ssm", DR, "get_parameter", {"Name": STATE}, {"Parameter": {"Value": state or fresh}})


def test_the_plan_is_the_seven_steps_in_order():
    assert KEYS == [
        "database",
        "wait",
        "detach-secret",
        "repoint-secret",
        "scale",
        "alarms",
        "traffic",
    ]


def test_a_prod_failover_promotes_the_replica_and_makes_every_call_in_order():
    s = Script()
    start_state(s, None)
    record(s, [])
    for n, key in enumerate(KEYS):
        step_calls(s, key)
        record(s, KEYS[: n + 1])
    record(s, KEYS, "done")
    logged: list[str] = []
    state = failover.run(
        "failover", failover.failover_steps(TARGET, None), s.factory(), TARGET, logged.append
    )
    s.check()
    assert state["data"]["endpoint"] == "dr.rds" and state["data"][
        "previous_hosts"
    ] == dict.fromkeys(SECRETS, "primary.rds")
    assert state["data"]["previous_threshold"] == 1
    assert logged[0] == "step 1/7: Promote the standing replica as reminderly-prod-postgres-dr"


@pytest.mark.parametrize("k", range(len(KEYS)), ids=KEYS)
def test_interrupted_at_each_step_it_resumes_there(k):
    s = Script()
    start_state(s, None)
    record(s, [])
    for n, key in enumerate(KEYS[:k]):
        step_calls(s, key)
        record(s, KEYS[: n + 1])
    step_calls(s, KEYS[k], fail=True)
    steps = failover.failover_steps(TARGET, None)
    with pytest.raises(Exception, match="interrupted"):
        failover.run("failover", steps, s.factory(), TARGET, lambda _: None)
    s.check()
    saved = Recorded.last
    assert json.loads(saved)["done"] == KEYS[:k]

    resumed = Script()  # a new process: reads the recorded state, runs from step k on
    start_state(resumed, saved)
    for n, key in enumerate(KEYS[k:], start=k):
        step_calls(resumed, key)
        record(resumed, KEYS[: n + 1])
    record(resumed, KEYS, "done")
    logged: list[str] = []
    state = failover.run("failover", steps, resumed.factory(), TARGET, logged.append)
    resumed.check()
    assert state["status"] == "done"
    assert [line.endswith("done before") for line in logged] == [n < k for n in range(len(KEYS))]


def test_rollback_undoes_the_reversible_steps_newest_first_and_stops_at_the_promotion():
    done = ["database", "wait", "detach-secret", "repoint-secret", "scale"]
    saved = json.dumps(
        {
            "plan": "failover",
            "status": "running",
            "done": done,
            "data": {"endpoint": "dr.rds", "previous_hosts": dict.fromkeys(SECRETS, "primary.rds")},
        }
    )
    s = Script()
    start_state(s, saved)
    for service in ("api", "worker"):
        s.call(
            "application-autoscaling",
            DR,
            "register_scalable_target",
            {
                "ServiceNamespace": "ecs",
                "ResourceId": f"service/reminderly-prod-dr/{service}",
                "ScalableDimension": "ecs:service:DesiredCount",
                "MinCapacity": 0,
            },
        )
        s.call(
            "ecs",
            DR,
            "update_service",
            {"cluster": "reminderly-prod-dr", "service": service, "desiredCount": 0},
        )
    record(s, done[:4])
    moved = {**SECRET_VALUE, "host": "dr.rds"}
    for secret in SECRETS:
        s.call(
            "secretsmanager",
            DR,
            "get_secret_value",
            {"SecretId": secret},
            {"SecretString": json.dumps(moved)},
        )
        s.call(
            "secretsmanager",
            DR,
            "put_secret_value",
            {"SecretId": secret, "SecretString": json.dumps(SECRET_VALUE)},
        )
    record(s, done[:3])
    logged: list[str] = []
    state = failover.rollback(
        "failover", failover.failover_steps(TARGET, None), s.factory(), TARGET, logged.append
    )
    s.check()
    assert state["done"] == done[:3] and state["status"] == "running"
    assert "cannot be undone" in logged[-1]


def test_without_a_replica_the_newest_point_is_restored_into_the_standby_groups():
    staging = failover.Target(
        stage="staging",
        primary_region=PRIMARY,
        dr_region=DR,
        api_tasks=2,
        worker_tasks=1,
        backup_retention_days=14,
        instance_class="db.m7g.large",
        multi_az=False,
        deletion_protection=True,
        outputs=OUTPUTS,
    )
    arn = "arn:aws:rds:us-west-2:310987654321:auto-backup:ab-1"
    s = Script()
    s.fail(
        "rds",
        DR,
        "describe_db_instances",
        {"DBInstanceIdentifier": "reminderly-staging-postgres-dr"},
        "DBInstanceNotFound",
    )
    s.call(
        "rds",
        DR,
        "restore_db_instance_to_point_in_time",
        {
            "SourceDBInstanceAutomatedBackupsArn": arn,
            "TargetDBInstanceIdentifier": "reminderly-staging-postgres-dr",
            "UseLatestRestorableTime": True,
            "DBInstanceClass": "db.m7g.large",
            "DBSubnetGroupName": "reminderly-staging-dr-data",
            "VpcSecurityGroupIds": ["sg-0dr"],
            "DBParameterGroupName": "reminderly-staging-dr-postgres18",
            "MultiAZ": False,
            "PubliclyAccessible": False,
            "DeletionProtection": True,
            "CopyTagsToSnapshot": True,
            "EnableIAMDatabaseAuthentication": True,
            "Tags": [{"Key": "reminderly:failover", "Value": "staging"}],
        },
    )
    step = failover.failover_steps(staging, arn)[0]
    assert step.title.startswith("Restore the newest replicated point")
    step.run(s.factory(), {})
    s.check()


def test_failback_repoints_the_primary_unpins_the_name_and_returns_the_standby_to_zero():
    steps = failover.failback_steps(TARGET)
    keys = [st.key for st in steps]
    s = Script()
    start_state(s, json.dumps({"plan": "failover", "status": "done", "done": KEYS, "data": {}}))
    record(s, [])
    s.call(
        "rds",
        PRIMARY,
        "describe_db_instances",
        {"DBInstanceIdentifier": "reminderly-prod-postgres"},
        {
            "DBInstances": [
                {"DBInstanceStatus": "available", "Endpoint": {"Address": "rebuilt.rds"}}
            ]
        },
    )
    record(s, keys[:1])
    for secret in SECRETS:
        s.call(
            "secretsmanager",
            PRIMARY,
            "get_secret_value",
            {"SecretId": secret},
            {"SecretString": json.dumps(SECRET_VALUE)},
        )
        s.call(
            "secretsmanager",
            PRIMARY,
            "put_secret_value",
            {
                "SecretId": secret,
                "SecretString": json.dumps({**SECRET_VALUE, "host": "rebuilt.rds"}),
            },
        )
    record(s, keys[:2])
    # pinned to the standby (threshold 2 of 1 child); most checkers see the primary ready
    dns_calls(
        s,
        threshold_now=2,
        threshold_set=1,
        zones=True,
        ready_reports=["Success: HTTP 200", "Success: HTTP 200", "Failure: Connection timed out"],
    )
    record(s, keys[:3])
    for service in ("api", "worker"):
        s.call(
            "application-autoscaling",
            DR,
            "register_scalable_target",
            {
                "ServiceNamespace": "ecs",
                "ResourceId": f"service/reminderly-prod-dr/{service}",
                "ScalableDimension": "ecs:service:DesiredCount",
                "MinCapacity": 0,
            },
        )
        s.call(
            "ecs",
            DR,
            "update_service",
            {"cluster": "reminderly-prod-dr", "service": service, "desiredCount": 0},
        )
    record(s, keys[:4])
    s.call(
        "cloudwatch",
        DR,
        "describe_alarms",
        {"AlarmNamePrefix": "reminderly-prod-", "AlarmTypes": ["MetricAlarm", "CompositeAlarm"]},
        {"MetricAlarms": [{"AlarmName": n} for n in ALARMS]},
    )
    s.call(
        "cloudwatch", DR, "disable_alarm_actions", {"AlarmNames": ["reminderly-prod-dead-messages"]}
    )
    record(s, keys[:5])
    for secret in SECRETS:
        s.call(
            "secretsmanager",
            PRIMARY,
            "describe_secret",
            {"SecretId": secret},
            {"ReplicationStatus": []},
        )
        s.call(
            "secretsmanager",
            PRIMARY,
            "replicate_secret_to_regions",
            {
                "SecretId": secret,
                "ForceOverwriteReplicaSecret": True,
                "AddReplicaRegions": [
                    {"Region": DR, "KmsKeyId": "alias/reminderly-prod-rds-backup-replication"}
                ],
            },
        )
    record(s, keys)
    record(s, keys, "done")
    state = failover.run("failback", steps, s.factory(), TARGET, lambda _: None)
    s.check()
    assert state["status"] == "done"


def test_a_failover_refuses_to_start_while_a_failback_is_unfinished():
    s = Script()
    start_state(
        s,
        json.dumps(
            {"plan": "failback", "status": "running", "done": ["primary-database"], "data": {}}
        ),
    )
    with pytest.raises(RuntimeError, match="a failback is unfinished"):
        failover.run(
            "failover", failover.failover_steps(TARGET, None), s.factory(), TARGET, lambda _: None
        )
    s.check()


def test_the_cli_prints_the_plan_with_what_is_done_and_refuses_without_yes(monkeypatch):
    s = Script()
    for stack, outputs in (
        ("reminderly-prod-dr-database", {"SecurityGroupId": "sg-0dr"}),
        (
            "reminderly-prod-dr-service",
            {k: v for k, v in OUTPUTS.items() if k != "SecurityGroupId"},
        ),
    ):
        s.call(
            "cloudformation",
            DR,
            "describe_stacks",
            {"StackName": stack},
            {
                "Stacks": [
                    {
                        "StackName": stack,
                        "CreationTime": "2026-11-01T00:00:00Z",
                        "StackStatus": "CREATE_COMPLETE",
                        "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
                    }
                ]
            },
        )
    s.call("rds", DR, "describe_db_instances", DB, instance(**REPLICA))
    start_state(
        s,
        json.dumps(
            {"plan": "failover", "status": "running", "done": ["database", "wait"], "data": {}}
        ),
    )
    monkeypatch.setattr(dr_cli, "_client", lambda service, region: s.client(service, region))
    monkeypatch.setattr(dr_cli, "_have_aws_credentials", lambda: True)
    out = CliRunner().invoke(main, ["dr", "failover", "--stage", "prod"])
    s.check()
    assert out.exit_code == 1 and "--yes" in out.output
    lines = out.output.splitlines()
    assert "promoting the replica reminderly-prod-postgres-dr" in out.output
    assert (
        "1. Promote the standing replica as reminderly-prod-postgres-dr (done) [not reversible]"
        in lines
    )
    assert "5. Scale the standby services up (api 3, worker 2)" in lines
    assert any(
        line.startswith("7. Pin api.reminders.brightsmile.dental to the standby's load balancer")
        for line in lines
    )


def test_pinning_is_idempotent_and_refuses_without_the_failover_records():
    s = Script()
    s.call(
        "route53",
        PRIMARY,
        "list_hosted_zones_by_name",
        {"DNSName": "reminders.brightsmile.dental.", "MaxItems": "1"},
        ZONES,
    )
    dns_calls(s, threshold_now=2, threshold_set=2)  # pinned already: nothing updated
    data: dict = {}
    failover.pin_to_standby(s.factory(), TARGET, data)
    assert data == {"previous_threshold": 2}
    simple = {
        "ResourceRecordSets": [
            {
                "Name": NAME,
                "Type": "A",
                "AliasTarget": {
                    "HostedZoneId": "Z35SXDOTRQ7X7K",
                    "DNSName": "primary-alb.us-east-1.elb.amazonaws.com.",
                    "EvaluateTargetHealth": False,
                },
            }
        ],
        "IsTruncated": False,
        "MaxItems": "2",
    }
    dns_calls(s, 1, None, zones=True, records=simple)
    with pytest.raises(RuntimeError, match="lacks its PRIMARY"):
        failover.pin_to_standby(s.factory(), TARGET, {})
    s.check()


def test_pinning_refuses_when_the_secondary_is_not_the_standby():
    other = json.loads(json.dumps(RECORDS))
    other["ResourceRecordSets"][1]["AliasTarget"]["DNSName"] = (
        "dualstack.someone-else.elb.amazonaws.com."
    )
    s = Script()
    s.call(
        "route53",
        PRIMARY,
        "list_hosted_zones_by_name",
        {"DNSName": "reminders.brightsmile.dental.", "MaxItems": "1"},
        ZONES,
    )
    s.call(
        "route53",
        PRIMARY,
        "list_resource_record_sets",
        {
            "HostedZoneId": "Z0123456789ABCDEFGHIJ",
            "StartRecordName": NAME,
            "StartRecordType": "A",
            "MaxItems": "2",
        },
        other,
    )
    with pytest.raises(RuntimeError, match="not the standby's"):
        failover.pin_to_standby(s.factory(), TARGET, {})
    s.check()


def test_failback_does_not_unpin_while_route53_sees_the_primary_failing():
    s = Script()
    dns_calls(
        s,
        threshold_now=2,
        threshold_set=1,
        zones=True,
        ready_reports=["Failure: HTTP Status Code 503", "Success: HTTP 200", "Failure: timed out"],
    )
    with pytest.raises(RuntimeError, match="passing from 1 of 3 checkers"):
        failover.unpin(s.factory(), TARGET, require_primary_healthy=True)
    s.check()  # no update_health_check: still pinned to the standby


def test_rolling_back_the_traffic_step_unpins_the_primary():
    saved = json.dumps(
        {
            "plan": "failover",
            "status": "running",
            "done": ["traffic"],
            "data": {"previous_threshold": 1},
        }
    )
    s = Script()
    start_state(s, saved)
    dns_calls(s, threshold_now=2, threshold_set=1, zones=True)
    record(s, [])
    record(s, [], "rolled-back")
    state = failover.rollback(
        "failover", failover.failover_steps(TARGET, None), s.factory(), TARGET, lambda _: None
    )
    s.check()
    assert state["status"] == "rolled-back"
