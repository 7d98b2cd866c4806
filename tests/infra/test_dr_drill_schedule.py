"""The scheduled DR drill and what it rests on, on the synthesized templates: the weekly rule in
the standby tier runs `reminderly dr drill --source all` as a task there; running that drill
(both sources) against recording clients, every ARN it acts on is allowed by the task's role
and every name is a resource the templates define; the primary's workers publish the last-write
marker the drill reads; AWS Backup copies the database to the DR vault the drill restores from."""

from __future__ import annotations

import fnmatch
import json
import shlex
from datetime import UTC, datetime

import pytest

from app_service.cli import main
from app_service.ops import dr
from deploy_contract import naming
from deploy_contract.naming import stack_name

from .conftest import TEST_STAGES, resources
from .test_dr_tier import Recorder

STAGES = list(TEST_STAGES)
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
IAM_ACTION = {  # the drill's calls and the IAM action each needs
    "describe_db_instance_automated_backups": "rds:DescribeDBInstanceAutomatedBackups",
    "restore_db_instance_to_point_in_time": "rds:RestoreDBInstanceToPointInTime",
    "restore_db_instance_from_db_snapshot": "rds:RestoreDBInstanceFromDBSnapshot",
    "describe_db_instances": "rds:DescribeDBInstances",
    "db_instance_available": "rds:DescribeDBInstances",  # the waiter polls describe_db_instances
    "delete_db_instance": "rds:DeleteDBInstance",
    "list_recovery_points_by_backup_vault": "backup:ListRecoveryPointsByBackupVault",
    "get_parameter": "ssm:GetParameter",
    "put_metric_data": "cloudwatch:PutMetricData",
}


def _drill_task(template: dict) -> tuple[str, dict]:
    (found,) = [
        (k, r["Properties"])
        for k, r in resources(template, "AWS::ECS::TaskDefinition").items()
        if r["Properties"]["ContainerDefinitions"][0]["Command"][:3]
        == ["reminderly", "dr", "drill"]
    ]
    return found


def _statements(template: dict, task: dict) -> list[dict]:
    role = task["TaskRoleArn"]["Fn::GetAtt"][0]
    (policy,) = [
        r["Properties"]
        for r in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role} in r["Properties"]["Roles"]
    ]
    return policy["PolicyDocument"]["Statement"]


def _allowed(statements: list[dict], action: str, arn: str) -> bool:
    for st in statements:
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        targets = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
        matches = any(isinstance(t, str) and fnmatch.fnmatchcase(arn, t) for t in targets)
        if st["Effect"] == "Allow" and action in actions and matches:
            return True
    return False


@pytest.mark.parametrize("stage", STAGES)
def test_the_drill_is_scheduled_as_a_task_in_the_standby_tier(stage, templates):
    config = TEST_STAGES[stage]
    service = templates[stack_name(stage, "dr-service")]
    task_id, task = _drill_task(service)
    (rule,) = [
        r
        for r in resources(service, "AWS::Events::Rule").values()
        if r["Properties"].get("ScheduleExpression")
    ]
    props = rule["Properties"]
    assert props["ScheduleExpression"] == "cron(0 10 ? * MON,THU *)" and props["State"] == "ENABLED"
    assert props["Name"] == f"reminderly-{stage}-dr-drill"
    (target,) = props["Targets"]
    ecs = target["EcsParameters"]
    assert ecs["TaskDefinitionArn"] == {"Ref": task_id} and ecs["LaunchType"] == "FARGATE"
    assert ecs["NetworkConfiguration"]["AwsVpcConfiguration"]["AssignPublicIp"] == "DISABLED"
    (cluster,) = resources(service, "AWS::ECS::Cluster")
    assert target["Arn"] == {"Fn::GetAtt": [cluster, "Arn"]}
    # the same network path as the standby's services (the database admits their group)
    worker = next(
        s["Properties"]
        for s in resources(service, "AWS::ECS::Service").values()
        if s["Properties"]["ServiceName"] == "worker"
    )
    assert (
        ecs["NetworkConfiguration"]["AwsVpcConfiguration"]["SecurityGroups"]
        == worker["NetworkConfiguration"]["AwsvpcConfiguration"]["SecurityGroups"]
    )
    # the command: what the CLI accepts, with the standby's groups, the marker, both sources
    command = task["ContainerDefinitions"][0]["Command"]
    *words, group = command
    assert words == [
        "reminderly",
        "dr",
        "drill",
        "--stage",
        stage,
        "--primary-region",
        config.region,
        "--dr-region",
        config.dr_region,
        "--source",
        "all",
        "--last-write-from",
        "marker",
        "--subnet-group",
        naming.dr_subnet_group(stage),
        "--parameter-group",
        naming.dr_parameter_group(stage),
        "--security-group",
    ]
    main.commands["dr"].commands["drill"].make_context("drill", [*words[3:], "sg-1"])
    dr_db = templates[stack_name(stage, "dr-database")]
    exported = json.dumps(group)
    (sg_id,) = resources(dr_db, "AWS::EC2::SecurityGroup")
    assert "Fn::ImportValue" in exported and sg_id in exported  # the standby database's group
    assert naming.dr_subnet_group(stage) in [
        r["Properties"]["DBSubnetGroupName"]
        for r in resources(dr_db, "AWS::RDS::DBSubnetGroup").values()
    ]
    assert naming.dr_parameter_group(stage) in [
        r["Properties"]["DBParameterGroupName"]
        for r in resources(dr_db, "AWS::RDS::DBParameterGroup").values()
    ]
    # the restored copy's credentials: the stage's database secret, its DR replica
    secrets = {
        s["Name"]: json.dumps(s["ValueFrom"]) for s in task["ContainerDefinitions"][0]["Secrets"]
    }
    assert {"PGUSER", "PGPASSWORD", "PGDATABASE"} <= set(secrets)
    assert f":secretsmanager:{config.dr_region}:" in secrets["PGPASSWORD"]
    assert f"reminderly-{stage}/database/worker" in secrets["PGPASSWORD"]  # a reading login


@pytest.mark.parametrize("stage", STAGES)
def test_every_arn_the_scheduled_drill_touches_is_allowed_and_defined(stage, templates):
    config = TEST_STAGES[stage]
    service, dr_stack = (
        templates[stack_name(stage, "dr-service")],
        templates[stack_name(stage, "dr")],
    )
    _, task = _drill_task(service)
    command = task["ContainerDefinitions"][0]["Command"]
    args = dict(zip(command[3:-1:2], command[4::2], strict=False))
    rds_arn = f"arn:aws:rds:{config.dr_region}:{config.account}"
    auto_backup = f"{rds_arn}:auto-backup:ab-7f3e"
    vault_copy = f"{rds_arn}:snapshot:awsbackup:copyjob-1c2d"
    marker = json.dumps({"newest_write": NOW.isoformat(), "published_at": NOW.isoformat()})
    answers = {
        ("rds", "describe_db_instance_automated_backups"): {
            "DBInstanceAutomatedBackups": [
                {
                    "DBInstanceAutomatedBackupsArn": auto_backup,
                    "Status": "replicating",
                    "RestoreWindow": {"LatestTime": NOW},
                }
            ]
        },
        ("backup", "list_recovery_points_by_backup_vault"): {
            "RecoveryPoints": [
                {
                    "RecoveryPointArn": vault_copy,
                    "Status": "COMPLETED",
                    "ResourceType": "RDS",
                    "CreationDate": NOW,
                }
            ]
        },
        ("rds", "describe_db_instances"): {
            "DBInstances": [{"Endpoint": {"Address": "d.rds", "Port": 5432}}]
        },
        ("ssm", "get_parameter"): {"Parameter": {"Value": marker}},
    }
    log: list = []

    def client(service_name: str):
        return Recorder(service_name, args["--dr-region"], log, answers, [])

    from app_service.ops import write_marker

    for source in dr.SOURCES:
        result = dr.drill(
            stage=stage,
            source=source,
            rds_dr=client("rds"),
            backup_dr=client("backup"),
            cloudwatch=client("cloudwatch"),
            verify=lambda h, p: {"tables": {}, "latest_write": NOW},
            primary_latest_write=write_marker.latest_write_reader(
                client("ssm"), naming.last_write_parameter(stage), now=lambda: NOW
            ),
            subnet_group=args["--subnet-group"],
            security_groups=["<the imported group>"],
            parameter_group=args["--parameter-group"],
            now=lambda: NOW,
            clock=lambda: 0.0,
        )
        assert result.succeeded, result.error
    statements = _statements(service, task)
    needed: list[tuple[str, str]] = []
    for svc, region, method, p in log:
        assert region == config.dr_region
        action = IAM_ACTION[method]
        if svc == "rds":
            for key in ("DBInstanceIdentifier", "TargetDBInstanceIdentifier"):
                if key in p and method != "describe_db_instance_automated_backups":
                    needed.append((action, f"{rds_arn}:db:{p[key]}"))
            for key in ("SourceDBInstanceAutomatedBackupsArn", "DBSnapshotIdentifier"):
                if key in p:
                    needed.append((action, p[key]))
            if "DBSubnetGroupName" in p:
                needed.append((action, f"{rds_arn}:subgrp:{p['DBSubnetGroupName']}"))
                needed.append((action, f"{rds_arn}:pg:{p['DBParameterGroupName']}"))
            if method == "describe_db_instance_automated_backups":
                needed.append((action, auto_backup))
        elif svc == "backup":
            needed.append(
                (
                    action,
                    f"arn:aws:backup:{config.dr_region}:{config.account}:backup-vault:{p['BackupVaultName']}",
                )
            )
            assert p["BackupVaultName"] in [
                r["Properties"]["BackupVaultName"]
                for r in resources(dr_stack, "AWS::Backup::BackupVault").values()
            ]
        elif svc == "ssm":
            needed.append(
                (action, f"arn:aws:ssm:{config.dr_region}:{config.account}:parameter{p['Name']}")
            )
            assert p["Name"] in [
                r["Properties"]["Name"] for r in resources(dr_stack, "AWS::SSM::Parameter").values()
            ]
        else:
            assert p["Namespace"] == "Reminderly/DR"
            needed.append((action, "*"))
    assert {m for _, _, m, _ in log} == set(IAM_ACTION)  # both sources exercised every call
    for action, arn in needed:
        assert _allowed(statements, action, arn), (action, arn)
    (metric,) = [st for st in statements if st["Action"] == "cloudwatch:PutMetricData"]
    assert metric["Condition"] == {"StringEquals": {"cloudwatch:namespace": "Reminderly/DR"}}
    # the restored instances are encrypted with the replication key or the vault's: the role may use both
    keys = [k for k, r in resources(dr_stack, "AWS::KMS::Key").items()]
    (kms,) = [st for st in statements if "kms:CreateGrant" in st["Action"]]
    assert len(kms["Resource"]) == 2 and all(
        any(k in json.dumps(r) for k in keys) for r in kms["Resource"]
    )
    # and nothing the drill does reaches beyond its own instances: deleting is only theirs
    assert not _allowed(
        statements, "rds:DeleteDBInstance", f"{rds_arn}:db:{naming.dr_instance(stage)}"
    )
    assert not _allowed(
        statements, "rds:DeleteDBInstance", f"{rds_arn}:db:reminderly-{stage}-postgres"
    )


@pytest.mark.parametrize("stage", STAGES)
def test_the_primary_publishes_its_last_write_where_the_drill_reads_it(stage, templates):
    config = TEST_STAGES[stage]
    (param,) = [
        r["Properties"]
        for r in resources(templates[stack_name(stage, "dr")], "AWS::SSM::Parameter").values()
    ]
    assert json.loads(param["Value"]) == {
        "newest_write": None,
        "published_at": None,
    }  # until a worker writes

    def worker_env(template: dict) -> tuple[dict, dict]:
        (task,) = [
            t["Properties"]
            for t in resources(template, "AWS::ECS::TaskDefinition").values()
            if t["Properties"]["ContainerDefinitions"][0]["Command"][:2] == ["reminderly", "worker"]
        ]
        return {e["Name"]: e["Value"] for e in task["ContainerDefinitions"][0]["Environment"]}, task

    primary = templates[stack_name(stage, "service")]
    env, task = worker_env(primary)
    assert (env["REMINDERLY_LAST_WRITE_PARAMETER"], env["REMINDERLY_DR_REGION"]) == (
        param["Name"],
        config.dr_region,
    )
    arn = f"arn:aws:ssm:{config.dr_region}:{config.account}:parameter{param['Name']}"
    assert _allowed(_statements(primary, task), "ssm:PutParameter", arn)
    # the standby's worker does not publish (after a failover it is the primary's marker no more)
    standby_env, _ = worker_env(templates[stack_name(stage, "dr-service")])
    assert "REMINDERLY_LAST_WRITE_PARAMETER" not in standby_env
    # the CLI's drill reads the same name (what shlex makes of a runbook line parses)
    main.commands["dr"].commands["drill"].make_context("drill", shlex.split(f"--stage {stage}"))
    assert naming.last_write_parameter(stage) == param["Name"]


@pytest.mark.parametrize("stage", STAGES)
def test_backups_are_copied_to_the_dr_vault_the_drill_restores_from(stage, templates):
    config = TEST_STAGES[stage]
    database, dr_stack = (
        templates[stack_name(stage, "database")],
        templates[stack_name(stage, "dr")],
    )
    (plan,) = [
        r["Properties"]["BackupPlan"]
        for r in resources(database, "AWS::Backup::BackupPlan").values()
    ]
    (rule,) = plan["BackupPlanRule"]
    assert (rule["RuleName"], rule["ScheduleExpression"]) == ("daily", "cron(0 5 * * ? *)")
    (copy,) = rule["CopyActions"]
    (vault,) = [
        r["Properties"]["BackupVaultName"]
        for r in resources(dr_stack, "AWS::Backup::BackupVault").values()
    ]
    assert vault == dr.vault_name(stage)  # what the drill lists and restores from
    assert (
        copy["DestinationBackupVaultArn"]
        == f"arn:aws:backup:{config.dr_region}:{config.account}:backup-vault:{vault}"
    )
    assert copy["Lifecycle"]["DeleteAfterDays"] == 35
    # daily copies: the vault path's RPO objective is a day plus the copy's time
    assert dr.VAULT_RPO_SECONDS > 24 * 3600
    # the database is what the plan selects
    (selection,) = [
        r["Properties"]["BackupSelection"]
        for r in resources(database, "AWS::Backup::BackupSelection").values()
    ]
    (instance,) = resources(database, "AWS::RDS::DBInstance")
    assert instance in json.dumps(selection["Resources"])
    # a copy that fails alarms in the primary region, where AWS Backup runs the copy job
    alarms = [
        r["Properties"]["AlarmName"]
        for r in resources(
            templates[stack_name(stage, "monitoring")], "AWS::CloudWatch::Alarm"
        ).values()
    ]
    assert f"reminderly-{stage}-backup-copy-failed" in alarms
