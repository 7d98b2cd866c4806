"""The standby tier on the synthesized assembly: its stacks exist per stage in the DR region,
and every name or ARN that `reminderly dr failover` and `dr failback` act on is a resource (or
output) those templates define. The plans are run against recording clients; what they touched
is then looked up in the templates (nothing restated here)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from app_service.ops import failover
from deploy_contract.naming import STANDBY_UNITS, stack_name

from .conftest import TEST_STAGES, resources


class Recorder:
    """A permissive client: records every call, answers what the plans read; `missing` counts
    the describe_db_instances calls still answered DBInstanceNotFound (the restore path)."""

    def __init__(self, service: str, region: str, log: list, answers: dict, missing: list) -> None:
        self.service, self.region, self.log, self.answers, self.missing = (
            service,
            region,
            log,
            answers,
            missing,
        )

    def __getattr__(self, method: str):
        def call(**params: Any) -> dict:
            self.log.append((self.service, self.region, method, params))
            if method == "describe_db_instances" and self.missing:
                self.missing.pop()
                raise ClientError({"Error": {"Code": "DBInstanceNotFound"}}, "DescribeDBInstances")
            return self.answers.get((self.service, method), {})

        return call

    def get_waiter(self, name: str):
        log, service, region = self.log, self.service, self.region

        class Waiter:
            def wait(self, **params: Any) -> None:
                log.append((service, region, name, params))

        return Waiter()


def _outputs(template: dict) -> dict[str, str]:
    """Each output's key -> a stand-in value naming the output (looked up again below)."""
    return {key: f"<output {key}>" for key in template.get("Outputs", {})}


def _output(template: dict, value: str) -> Any:
    """The template's value of the output a stand-in names."""
    return template["Outputs"][value.removeprefix("<output ").removesuffix(">")]["Value"]


def _run(plan: str, stage: str, templates: dict, replica: bool) -> list:
    config = TEST_STAGES[stage]
    log: list = []
    dr_db, dr_service = (
        templates[stack_name(stage, "dr-database")],
        templates[stack_name(stage, "dr-service")],
    )
    outputs = {**_outputs(dr_db), **_outputs(dr_service)}
    d = failover.STAGE_DEFAULTS[stage]
    target = failover.Target(
        stage=stage,
        primary_region=config.region,
        dr_region=config.dr_region,
        api_tasks=d.api_tasks,
        worker_tasks=d.worker_tasks,
        backup_retention_days=d.backup_retention_days,
        instance_class=d.instance_class,
        multi_az=d.multi_az,
        deletion_protection=d.deletion_protection,
        outputs=outputs,
    )
    alarms = [
        r["Properties"]["AlarmName"]
        for r in resources(
            templates[stack_name(stage, "dr-monitoring")], "AWS::CloudWatch::Alarm"
        ).values()
    ]
    instance = {"DBInstanceStatus": "available", "Endpoint": {"Address": "x.rds"}}
    answers = {
        ("rds", "describe_db_instances"): {"DBInstances": [instance]},
        ("ssm", "get_parameter"): {"Parameter": {"Value": json.dumps({"plan": None, "done": []})}},
        ("secretsmanager", "describe_secret"): {"PrimaryRegion": config.region},
        ("secretsmanager", "get_secret_value"): {"SecretString": json.dumps({"host": "old"})},
        ("cloudwatch", "describe_alarms"): {"MetricAlarms": [{"AlarmName": a} for a in alarms]},
        ("route53", "list_hosted_zones_by_name"): {
            "HostedZones": [{"Id": "/hostedzone/Z1", "Name": "<output HostedZoneName>."}]
        },
        **_route53_answers(templates, stage),
    }
    if plan == "failback":  # the failover pinned the name to the standby
        config_seen = answers[("route53", "get_health_check")]["HealthCheck"]["HealthCheckConfig"]
        config_seen["HealthThreshold"] = len(config_seen["ChildHealthChecks"]) + 1
    missing = [] if replica or plan != "failover" else [True]
    if plan == "failover":
        steps = failover.failover_steps(
            target, None if replica else "arn:aws:rds:us-west-2:1:auto-backup:ab"
        )
    else:
        steps = failover.failback_steps(target)
    clients = failover.Clients(
        lambda service, region: Recorder(service, region, log, answers, missing)
    )
    failover.run(plan, steps, clients, target, lambda _: None)
    return log


def _failover_record(template: dict, role: str) -> dict:
    (record,) = [
        r["Properties"]
        for r in resources(template, "AWS::Route53::RecordSet").values()
        if r["Properties"].get("Failover") == role
    ]
    return record


def _route53_answers(templates: dict, stage: str) -> dict:
    """What Route 53 would answer once both stacks are deployed, read off the templates:
    the records as the primary's and the standby's templates define them (a health check's id
    is its logical id; the standby's load balancer is its output's stand-in)."""
    primary = _failover_record(templates[stack_name(stage, "service")], "PRIMARY")
    secondary = _failover_record(templates[stack_name(stage, "dr-service")], "SECONDARY")
    check_id = primary["HealthCheckId"]["Ref"]
    config = templates[stack_name(stage, "service")]["Resources"][check_id]["Properties"][
        "HealthCheckConfig"
    ]
    children = [c["Ref"] for c in config.get("ChildHealthChecks", [])]
    name = "<output DomainName>."
    return {
        ("route53", "list_resource_record_sets"): {
            "ResourceRecordSets": [
                {**primary, "Name": name, "HealthCheckId": check_id},
                {
                    **secondary,
                    "Name": name,
                    "AliasTarget": {"DNSName": "dualstack.<output LoadBalancerDnsName>"},
                },
            ]
        },
        ("route53", "get_health_check"): {
            "HealthCheck": {"HealthCheckConfig": {**config, "ChildHealthChecks": children}}
        },
        ("route53", "get_health_check_status"): {
            "HealthCheckObservations": [
                {"StatusReport": {"Status": "Success: HTTP Status Code 200"}}
            ]
        },
    }


def _props(template: dict, kind: str, prop: str) -> list:
    return [r["Properties"].get(prop) for r in resources(template, kind).values()]


def _params(log: list, key: str) -> list[tuple[str, Any]]:
    return [(region, p[key]) for _, region, _, p in log if key in p]


@pytest.mark.parametrize("stage", list(TEST_STAGES))
def test_the_standby_stacks_exist_in_the_dr_region(stage, assembly: Path, templates):
    manifest = json.loads((assembly / "manifest.json").read_text())["artifacts"]
    config = TEST_STAGES[stage]
    for unit in STANDBY_UNITS:
        name = stack_name(stage, unit)
        assert name in templates, name
        assert manifest[name]["environment"] == f"aws://{config.account}/{config.dr_region}"
    service = templates[stack_name(stage, "dr-service")]
    services = resources(service, "AWS::ECS::Service")
    assert sorted(s["Properties"]["DesiredCount"] for s in services.values()) == [0, 0]
    assert _props(service, "AWS::ApplicationAutoScaling::ScalableTarget", "MinCapacity") == [0, 0]
    # the same image and task definitions as the primary (the asset is the same image)
    primary = templates[stack_name(stage, "service")]
    image = {
        json.dumps(c["Image"])
        for t in resources(primary, "AWS::ECS::TaskDefinition").values()
        for c in t["Properties"]["ContainerDefinitions"]
    }
    standby = {
        json.dumps(c["Image"])
        for t in resources(service, "AWS::ECS::TaskDefinition").values()
        for c in t["Properties"]["ContainerDefinitions"]
    }
    assert len(image) == 1 and {i.split(":")[-1] for i in image} == {
        i.split(":")[-1] for i in standby
    }
    # the standby worker sends from the DR region's identities
    env = {
        e["Name"]: e["Value"]
        for t in resources(service, "AWS::ECS::TaskDefinition").values()
        for c in t["Properties"]["ContainerDefinitions"]
        for e in c.get("Environment", [])
    }
    assert env["REMINDERLY_SMS_ORIGINATION"] == config.dr_sms_pool_id
    assert env["REMINDERLY_SES_FROM"].endswith(f"@{config.dr_ses_identity}>")
    # no migration on deploy against a replica; the name's SECONDARY failover record only
    assert not resources(service, "Custom::AWS")
    (record,) = resources(service, "AWS::Route53::RecordSet").values()
    assert record["Properties"]["Failover"] == "SECONDARY"
    assert resources(service, "AWS::SNS::Topic")  # the inbound topic of the DR region


@pytest.mark.parametrize("stage", list(TEST_STAGES))
def test_standby_alarms_act_only_after_a_failover_except_replica_lag(stage, templates):
    monitoring = templates[stack_name(stage, "dr-monitoring")]
    alarms = {
        r["Properties"]["AlarmName"]: r["Properties"].get("ActionsEnabled", True)
        for r in resources(monitoring, "AWS::CloudWatch::Alarm").values()
    }
    enabled = {a for a, on in alarms.items() if on}
    drill = {
        f"reminderly-{stage}-dr-drill-overdue",
        f"reminderly-{stage}-dr-drill-objective-breached",
    }
    assert enabled == drill | (
        {f"reminderly-{stage}-replica-lag-high"} if TEST_STAGES[stage].dr_replica else set()
    )
    # what a failover's rollback or a failback leaves on is exactly these
    assert {a for a in alarms if a.endswith(failover.STANDBY_ALWAYS_ON)} == enabled
    assert _props(monitoring, "AWS::CloudWatch::CompositeAlarm", "ActionsEnabled") == [False]
    if TEST_STAGES[stage].dr_replica:
        (lag,) = [
            r["Properties"]
            for r in resources(monitoring, "AWS::CloudWatch::Alarm").values()
            if r["Properties"]["AlarmName"].endswith("replica-lag-high")
        ]
        assert lag["Threshold"] == TEST_STAGES["prod"].alarms.replica_lag_seconds
        assert lag["MetricName"] == "ReplicaLag"


def test_prod_keeps_an_encrypted_cross_region_replica(templates):
    db = templates[stack_name("prod", "dr-database")]
    (replica,) = resources(db, "AWS::RDS::DBInstance").values()
    props = replica["Properties"]
    (source,) = _props(
        templates[stack_name("prod", "database")], "AWS::RDS::DBInstance", "DBInstanceIdentifier"
    )
    assert (
        props["SourceDBInstanceIdentifier"].endswith(f":db:{source}")
        and props["SourceRegion"] == "us-east-1"
    )
    key = templates[stack_name("prod", "dr")]
    (key_id,) = [
        k
        for k, r in key["Resources"].items()
        if r["Type"] == "AWS::KMS::Key" and "replicated" in r["Properties"]["Description"]
    ]
    assert key_id in json.dumps(props["KmsKeyId"])  # imported from the DR stack: that key
    for stage in ("dev", "staging"):
        assert not resources(templates[stack_name(stage, "dr-database")], "AWS::RDS::DBInstance")
        primary = resources(templates[stack_name(stage, "database")], "AWS::RDS::DBInstance")
        assert [p["Properties"]["AutomaticBackupReplicationRegion"] for p in primary.values()] == [
            "us-west-2"
        ]


@pytest.mark.parametrize("stage, replica", [("prod", True), ("staging", False), ("dev", False)])
def test_every_name_the_failover_touches_is_defined_by_the_templates(stage, replica, templates):
    log = _run("failover", stage, templates, replica)
    config = TEST_STAGES[stage]
    dr_db = templates[stack_name(stage, "dr-database")]
    dr_service = templates[stack_name(stage, "dr-service")]
    monitoring = templates[stack_name(stage, "dr-monitoring")]
    assert {r for s, r, _, _ in log if s != "route53"} == {config.dr_region}

    # the database: prod's replica is the instance the dr-database template defines; every stage's
    # standby monitoring watches that instance name
    for _, name in _params(log, "DBInstanceIdentifier"):
        if replica:
            assert name in _props(dr_db, "AWS::RDS::DBInstance", "DBInstanceIdentifier")
        watched = json.dumps(resources(monitoring, "AWS::CloudWatch::Alarm"))
        assert json.dumps({"Name": "DBInstanceIdentifier", "Value": name}) in watched
    for _, name in _params(log, "DBSubnetGroupName"):
        assert name in _props(dr_db, "AWS::RDS::DBSubnetGroup", "DBSubnetGroupName")
    for _, name in _params(log, "DBParameterGroupName"):
        assert name in _props(dr_db, "AWS::RDS::DBParameterGroup", "DBParameterGroupName")
    for _, groups in _params(log, "VpcSecurityGroupIds"):
        (value,) = groups
        ref = _output(dr_db, value)["Fn::GetAtt"][0]
        assert dr_db["Resources"][ref]["Type"] == "AWS::EC2::SecurityGroup"
    if not replica:
        assert _params(log, "DBSubnetGroupName") and _params(log, "VpcSecurityGroupIds")

    # the secret: the primary's database secret, replicated to the DR region, read by the standby
    primary_db = templates[stack_name(stage, "database")]
    for _, secret in _params(log, "SecretId"):
        (props,) = [
            p
            for p in (
                r["Properties"]
                for r in resources(primary_db, "AWS::SecretsManager::Secret").values()
            )
            if p.get("Name") == secret
        ]
        assert config.dr_region in [r["Region"] for r in props["ReplicaRegions"]]
        assert f":secretsmanager:{config.dr_region}:" in json.dumps(
            dr_service
        ) and f":secret:{secret}" in json.dumps(dr_service)

    # the services: the cluster and service names the standby template gives them
    clusters = _props(dr_service, "AWS::ECS::Cluster", "ClusterName")
    services = _props(dr_service, "AWS::ECS::Service", "ServiceName")
    for _, name in _params(log, "cluster"):
        assert name in clusters
    for _, name in _params(log, "service"):
        assert name in services
    for _, resource_id in _params(log, "ResourceId"):
        _, cluster, service = resource_id.split("/")
        assert cluster in clusters and service in services
    assert len(_params(log, "ResourceId")) == 2

    # the state parameter, the alarms, the load balancer outputs
    for _, name in _params(log, "Name"):
        if name.startswith("/"):
            assert name in _props(dr_service, "AWS::SSM::Parameter", "Name")
    (prefix,) = {p for _, p in _params(log, "AlarmNamePrefix")}
    names = [
        r["Properties"]["AlarmName"]
        for r in resources(monitoring, "AWS::CloudWatch::Alarm").values()
    ]
    assert names and all(n.startswith(prefix) for n in names)
    (enabled,) = [p["AlarmNames"] for s, _, m, p in log if m == "enable_alarm_actions"]
    assert enabled == names
    _assert_pinned(log, templates, stage, pinned=True)
    (zone,) = {p["DNSName"] for _, _, m, p in log if m == "list_hosted_zones_by_name"}
    assert zone == "<output HostedZoneName>."  # the dr-service output, which is the stage's zone
    assert dr_service["Outputs"]["HostedZoneName"]["Value"] == config.hosted_zone_name
    (listed,) = [p for _, _, m, p in log if m == "list_resource_record_sets"]
    assert listed["StartRecordName"] == "<output DomainName>."
    assert dr_service["Outputs"]["DomainName"]["Value"] == config.domain_name
    # the SECONDARY record the step checks is the standby's load balancer, as its output says
    secondary = _failover_record(dr_service, "SECONDARY")
    (ref, attribute) = _output(dr_service, "<output LoadBalancerDnsName>")["Fn::GetAtt"]
    assert {"Fn::GetAtt": [ref, attribute]} in secondary["AliasTarget"]["DNSName"]["Fn::Join"][1]
    assert dr_service["Resources"][ref]["Type"] == "AWS::ElasticLoadBalancingV2::LoadBalancer"


def _assert_pinned(log: list, templates: dict, stage: str, pinned: bool) -> None:
    """The one Route 53 change: the PRIMARY record's calculated health check (the primary
    service template's) gets a threshold above (pinned) or equal to its children's count."""
    primary = templates[stack_name(stage, "service")]
    assert not [
        m for _, _, m, _ in log if m == "change_resource_record_sets"
    ]  # records stay the stacks'
    (update,) = [p for _, _, m, p in log if m == "update_health_check"]
    check = primary["Resources"][update["HealthCheckId"]]
    assert check["Type"] == "AWS::Route53::HealthCheck"
    config = check["Properties"]["HealthCheckConfig"]
    assert config["Type"] == "CALCULATED"
    assert _failover_record(primary, "PRIMARY")["HealthCheckId"] == {"Ref": update["HealthCheckId"]}
    children = len(config["ChildHealthChecks"])
    assert update["HealthThreshold"] == (children + 1 if pinned else children)


def test_every_name_the_failback_touches_is_defined_by_the_templates(templates):
    log = _run("failback", "prod", templates, True)
    primary_db = templates[stack_name("prod", "database")]
    (instance,) = [p["DBInstanceIdentifier"] for r, _, m, p in log if m == "describe_db_instances"]
    assert instance in _props(primary_db, "AWS::RDS::DBInstance", "DBInstanceIdentifier")
    replicated = [p for _, _, m, p in log if m == "replicate_secret_to_regions"]
    # every database secret (the master's and each login's) is a secret of the primary database stack
    names = _props(primary_db, "AWS::SecretsManager::Secret", "Name")
    assert sorted(p["SecretId"] for p in replicated) == sorted(names) and len(names) == 4
    aliases = _props(templates[stack_name("prod", "dr")], "AWS::KMS::Alias", "AliasName")
    for replicate in replicated:
        assert replicate["AddReplicaRegions"][0]["KmsKeyId"] in aliases
    # failback unpins only after Route 53's checkers see the primary's ready check pass
    (status,) = [p["HealthCheckId"] for _, _, m, p in log if m == "get_health_check_status"]
    primary = templates[stack_name("prod", "service")]
    child = primary["Resources"][status]["Properties"]["HealthCheckConfig"]
    assert (child["Type"], child["ResourcePath"], child["Port"]) == ("HTTPS", "/v1/ready", 443)
    _assert_pinned(log, templates, "prod", pinned=False)


def test_the_failover_defaults_are_the_deployed_settings():
    from cdk.config import STAGES

    for name, config in STAGES.items():
        d = failover.STAGE_DEFAULTS[name]
        assert (
            d.api_tasks,
            d.worker_tasks,
            d.backup_retention_days,
            d.instance_class,
            d.multi_az,
            d.deletion_protection,
        ) == (
            config.api_min_tasks,
            config.worker_min_tasks,
            config.db_backup_retention_days,
            f"db.{config.db_instance_type}",
            config.db_multi_az,
            config.db_deletion_protection,
        )


@pytest.mark.parametrize("stage", list(TEST_STAGES))
def test_every_name_the_drill_touches_is_defined_by_the_templates(stage, templates):
    """`reminderly dr drill` in the standby's subnet group and security group: the replicated
    backups of the primary instance, the DR vault, the groups, all in the templates."""
    from datetime import UTC, datetime

    from app_service.ops import dr
    from deploy_contract import naming

    config = TEST_STAGES[stage]
    log: list = []
    now = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    answers = {
        ("rds", "describe_db_instance_automated_backups"): {
            "DBInstanceAutomatedBackups": [
                {
                    "DBInstanceAutomatedBackupsArn": "arn:aws:rds:us-west-2:1:auto-backup:ab",
                    "Status": "replicating",
                    "RestoreWindow": {"LatestTime": now},
                }
            ]
        },
        ("rds", "describe_db_instances"): {
            "DBInstances": [{"Endpoint": {"Address": "d.rds", "Port": 5432}}]
        },
    }
    dr_db = templates[stack_name(stage, "dr-database")]
    result = dr.drill(
        stage=stage,
        rds_dr=Recorder("rds", config.dr_region, log, answers, []),
        backup_dr=Recorder("backup", config.dr_region, log, answers, []),
        cloudwatch=Recorder("cloudwatch", config.region, log, answers, []),
        verify=lambda host, port: {"tables": {}, "latest_write": now},
        primary_latest_write=lambda: now,
        subnet_group=naming.dr_subnet_group(stage),
        security_groups=["<output SecurityGroupId>"],
        now=lambda: now,
        clock=lambda: 0.0,
    )
    assert result.succeeded, result.error
    (source,) = [
        p["DBInstanceIdentifier"]
        for _, _, m, p in log
        if m == "describe_db_instance_automated_backups"
    ]
    assert source in _props(
        templates[stack_name(stage, "database")], "AWS::RDS::DBInstance", "DBInstanceIdentifier"
    )
    (vault,) = [
        p["BackupVaultName"] for _, _, m, p in log if m == "list_recovery_points_by_backup_vault"
    ]
    assert vault in _props(
        templates[stack_name(stage, "dr")], "AWS::Backup::BackupVault", "BackupVaultName"
    )
    (restore,) = [p for _, _, m, p in log if m == "restore_db_instance_to_point_in_time"]
    assert restore["DBSubnetGroupName"] in _props(
        dr_db, "AWS::RDS::DBSubnetGroup", "DBSubnetGroupName"
    )
    ref = _output(dr_db, restore["VpcSecurityGroupIds"][0])["Fn::GetAtt"][0]
    assert dr_db["Resources"][ref]["Type"] == "AWS::EC2::SecurityGroup"
    (metrics,) = [p for s, _, m, p in log if m == "put_metric_data"]
    alarms = json.dumps(
        resources(templates[stack_name(stage, "dr-monitoring")], "AWS::CloudWatch::Alarm")
    )
    assert (
        f'"Namespace": "{metrics["Namespace"]}"' in alarms
    )  # the DR alarms read what it publishes
