"""The scheduled DR drill, in the standby tier (DR region): an EventBridge rule runs
`reminderly dr drill --source all` as a Fargate task in the standby's cluster twice a week.

It restores the replicated automated backups' newest point and the DR vault's newest copy into
the standby's subnet, security and parameter groups, verifies them over the standby's own
network path (the tasks' security group is admitted by the standby database's), reads the
primary's newest write from the marker the primary's workers publish in this region
(app_service/ops/write_marker.py), and publishes Reminderly/DR metrics here, where the
dr-drill-* alarms of the standby's monitoring stack act (always on). Twice a week, not once: the
overdue alarm looks back 7 daily periods, so one late or failed run never leaves a week empty.
"""

from __future__ import annotations

from aws_cdk import CfnOutput
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.aws_ec2 import ISecurityGroup

from cdk.config import StageConfig
from deploy_contract import naming
from deploy_contract.metrics import DR_NAMESPACE
from deploy_contract.naming import vault_name

SCHEDULE = events.Schedule.cron(minute="0", hour="10", week_day="MON,THU")
"""10:00 UTC: after the daily AWS Backup job (05:00) has had time to copy to the DR vault."""


def drill_command(config: StageConfig, database_security_group: str) -> list[str]:
    s = config.name
    return [
        "reminderly",
        "dr",
        "drill",
        "--stage",
        s,
        "--primary-region",
        config.region,
        "--dr-region",
        config.dr_region,
        "--source",
        "all",
        "--last-write-from",
        "marker",
        "--subnet-group",
        naming.dr_subnet_group(s),
        "--parameter-group",
        naming.dr_parameter_group(s),
        "--security-group",
        database_security_group,
    ]


def drill_resources(config: StageConfig) -> dict[str, list[str]]:
    """The ARNs the drill acts on, by what it does (name patterns: it names its instances by
    the failure instant; AWS names the replicated backups and the vault's copies)."""
    rds = f"arn:aws:rds:{config.dr_region}:{config.account}"
    p = config.prefix
    instances = [f"{rds}:db:{p}-drill-*", f"{rds}:db:{p}-vault-drill-*"]
    return {
        "instances": instances,
        "sources": [f"{rds}:auto-backup:*", f"{rds}:snapshot:awsbackup:*"],
        "groups": [
            f"{rds}:subgrp:{naming.dr_subnet_group(config.name)}",
            f"{rds}:pg:{naming.dr_parameter_group(config.name)}",
            f"{rds}:og:default:postgres-*",
        ],
        "vault": [
            f"arn:aws:backup:{config.dr_region}:{config.account}:backup-vault:{vault_name(config.name)}"
        ],
        "marker": [
            f"arn:aws:ssm:{config.dr_region}:{config.account}:parameter{naming.last_write_parameter(config.name)}"
        ],
    }


def schedule_drill(
    service, *, config: StageConfig, database_security_group: ISecurityGroup, keys: list[kms.IKey]
) -> events.Rule:
    """The drill's task definition (the service's image, settings and database secret) and its
    weekly rule, in the standby service stack `service`."""
    # a reading login's credentials (the worker's) verify the restored copy
    task = service.runtime.task(
        service,
        "Drill",
        drill_command(config, database_security_group.security_group_id),
        512,
        1024,
        login="worker",
    )
    arns = drill_resources(config)
    role = task.task_role
    for actions, resources in (
        (
            ["rds:DescribeDBInstances", "rds:DescribeDBInstanceAutomatedBackups"],
            arns["instances"] + arns["sources"][:1],
        ),
        (
            [
                "rds:RestoreDBInstanceToPointInTime",
                "rds:RestoreDBInstanceFromDBSnapshot",
                "rds:AddTagsToResource",
            ],
            arns["instances"] + arns["sources"] + arns["groups"],
        ),
        (["rds:DeleteDBInstance"], arns["instances"]),
        (["backup:ListRecoveryPointsByBackupVault"], arns["vault"]),
        (["ssm:GetParameter"], arns["marker"]),
        # the restored instance is encrypted like its source: the replication key, the vault's
        (
            [
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:CreateGrant",
                "kms:Encrypt",
                "kms:GenerateDataKey",
                "kms:ReEncryptFrom",
                "kms:ReEncryptTo",
            ],
            [k.key_arn for k in keys],
        ),
    ):
        role.add_to_principal_policy(iam.PolicyStatement(actions=actions, resources=resources))
    CfnOutput(
        service,
        "DrillTaskDefinitionOutput",
        key="DrillTaskDefinition",
        value=task.task_definition_arn,
        description="The DR drill's task (runbooks/dr-drill-overdue.md runs it by hand)",
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["cloudwatch:PutMetricData"],
            resources=["*"],
            conditions={"StringEquals": {"cloudwatch:namespace": DR_NAMESPACE}},
        )
    )
    return events.Rule(
        service,
        "ScheduledDrill",
        rule_name=f"{config.prefix}-dr-drill",
        schedule=SCHEDULE,
        description="reminderly dr drill --source all: restore, verify, measure RPO/RTO (dr/README.md)",
        targets=[
            events_targets.EcsTask(
                cluster=service.cluster,
                task_definition=task,
                subnet_selection=service.app_subnets,
                security_groups=service.task_groups,
                assign_public_ip=False,
            )
        ],
    )
