"""The one register of acknowledged cdk-nag findings: each names the construct path pattern,
the rule, and the specific reason. tests/infra checks every entry is specific and used."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass

import aws_cdk as cdk

from cdk.config import PIPELINE, STAGES, PipelineConfig, StageConfig


@dataclass(frozen=True)
class Ack:
    path: str  # fnmatch pattern over construct paths, e.g. "reminderly-*-database/Postgres"
    rule: str  # e.g. "AwsSolutions-RDS11"
    reason: str


FIXED: list[Ack] = [
    Ack(
        "reminderly-*-network/Vpc/*/SecurityGroup/Resource",
        "AwsSolutions-EC23",
        "Interface endpoint security groups allow 443 from the VPC's own CIDR only (CDK's default); "
        "cdk-nag cannot evaluate the CIDR because it is a reference to the VPC.",
    ),
    Ack(
        "reminderly-*-database/Postgres/MonitoringRole/Resource",
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]",
        "Enhanced Monitoring requires this AWS-managed role policy; it grants only CloudWatch Logs writes for RDS.",
    ),
    Ack(
        "reminderly-*-database/Plan/Database/Role/Resource",
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]",
        "AWS Backup's own service-role policy, the documented way to let the plan snapshot and copy the database.",
    ),
    Ack(
        "reminderly-*-database/Postgres/Resource",
        "AwsSolutions-RDS11",
        "Port 5432 is reachable only from the service tasks' security group inside isolated subnets; "
        "a non-default port adds no protection and breaks client defaults.",
    ),
    Ack(
        "*reminderly-dev-database/Postgres/Resource",
        "AwsSolutions-RDS3",
        "dev runs single-AZ to save cost; prod is Multi-AZ (stage config, asserted in tests/infra).",
    ),
    Ack(
        "*reminderly-staging-database/Postgres/Resource",
        "AwsSolutions-RDS3",
        "staging runs single-AZ to save cost; prod is Multi-AZ (stage config, asserted in tests/infra).",
    ),
    Ack(
        "*reminderly-dev-database/Postgres/Resource",
        "AwsSolutions-RDS10",
        "dev databases are disposable (torn down with the stack); staging and prod have deletion protection.",
    ),
    Ack(
        "*reminderly-prod-dr-database/Postgres/Resource",
        "AwsSolutions-RDS2",
        "A cross-region read replica is encrypted by its KmsKeyId (the DR stack's key); CloudFormation "
        "rejects StorageEncrypted next to SourceDBInstanceIdentifier (cfn-lint F3020), which cdk-nag reads.",
    ),
    Ack(
        "reminderly-*-service/FrontDoor/LoadBalancer/SecurityGroup/Resource",
        "AwsSolutions-EC23",
        "The load balancer is the public HTTPS front door (443, and 80 only to redirect to 443), behind AWS WAF.",
    ),
    Ack(
        "reminderly-*-service/*Task/Resource",
        "AwsSolutions-ECS2",
        "The plain environment holds only non-secret settings (PGSSLMODE, REMINDERLY_STAGE); "
        "database credentials come from Secrets Manager as ECS secrets.",
    ),
    Ack(
        "reminderly-*-service/*Task/ExecutionRole/DefaultPolicy/Resource",
        "AwsSolutions-IAM5[Resource::*]",
        "ecr:GetAuthorizationToken has no resource-level permissions: AWS requires Resource '*' for it.",
    ),
    Ack(
        "reminderly-*-service/Worker/WorkerTask/TaskRole/DefaultPolicy/Resource",
        "AwsSolutions-IAM5[Resource::*]",
        "cloudwatch:PutMetricData has no resource-level permissions; the statement is limited by the "
        "cloudwatch:namespace condition to the Reminderly namespace.",
    ),
    Ack(
        "reminderly-*-service/AWS679f53fac002430cb0da5b7982bd2287/ServiceRole/Resource",
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        "The migrate-on-deploy custom resource's function needs only to write its own logs; its ECS "
        "permissions are scoped to the migration task definition.",
    ),
    Ack(
        "reminderly-*-service/FrontDoor/AccessLogs/Resource",
        "AwsSolutions-S1",
        "This bucket receives the load balancer's access logs; logging its own accesses would recurse.",
    ),
    Ack(
        "reminderly-*-service/Runtime/LinkSecret/Resource",
        "AwsSolutions-SMG4",
        "The link-signing secret is not rotated on a schedule: a new secret invalidates the survey, review "
        "and unsubscribe links of every message already sent (unsubscribe links must keep working). "
        "It is rotated deliberately, by the runbook, when exposed.",
    ),
    Ack(
        "reminderly-*-service/InboundEvents/InboundDeadLetters/Resource",
        "AwsSolutions-SQS3",
        "This queue is itself the dead-letter queue of the inbound SNS subscription (an SNS redrive "
        "policy, which cdk-nag does not see); it is read by hand per runbooks/inbound-delivery-failures.md.",
    ),
    Ack(
        "reminderly-*-service/Migrations/MigrationFailures/Resource",
        "AwsSolutions-SQS3",
        "A terminal store of failed-migration events for diagnosis (runbooks/migration-failed.md); "
        "nothing consumes it, so there is nothing to dead-letter.",
    ),
    Ack(
        "reminderly-*-service/Runtime/RotationFailures/Resource",
        "AwsSolutions-SQS3",
        "A terminal store of failed-rotation events for diagnosis (runbooks/secret-rotation-failed.md); "
        "nothing consumes it, so there is nothing to dead-letter.",
    ),
    Ack(
        "reminderly-pipeline/SmokeApiKey/Resource",
        "AwsSolutions-SMG4",
        "The smoke test's API key is issued by reminderly, not by Secrets Manager: it is rotated by "
        "creating a new key (reminderly api-key create), putting it here and revoking the old one.",
    ),
    Ack(
        "reminderly-pipeline/Pipeline/Pipeline/ArtifactsBucket/Resource",
        "AwsSolutions-S1",
        "Pipeline artifacts are short-lived build outputs; CloudTrail records access to the bucket.",
    ),
    Ack(
        "cross-region-stack-*/Default/CrossRegionCodePipelineReplicationBucket/Resource",
        "AwsSolutions-S1",
        "The pipeline's cross-region artifact replica (for the DR-region stacks); CloudTrail records access.",
    ),
]


def _pipeline_role_findings(pipeline: PipelineConfig, buckets: Iterable[str]) -> list[Ack]:
    """The IAM5 findings on the roles CDK Pipelines generates, one entry per finding."""
    roles = "reminderly-pipeline/Pipeline/*/DefaultPolicy/Resource"
    where = f"{pipeline.region}:{pipeline.account}"
    groups = {
        "CDK Pipelines roles read and write only the pipeline's own artifact buckets; the wildcards are "
        "object-level actions and keys inside those buckets.": [
            "Action::s3:Abort*",
            "Action::s3:DeleteObject*",
            "Action::s3:GetBucket*",
            "Action::s3:GetObject*",
            "Action::s3:List*",
            "Resource::<PipelineArtifactsBucketAEA9A052.Arn>/*",
            *(f"Resource::arn:<AWS::Partition>:s3:::{bucket}/*" for bucket in buckets),
        ],
        "CDK Pipelines roles encrypt artifacts with the pipeline's own KMS key; GenerateDataKey* and "
        "ReEncrypt* are the data-key variants on that one key.": [
            "Action::kms:GenerateDataKey*",
            "Action::kms:ReEncrypt*",
        ],
        "Each CodeBuild project of the pipeline writes its own log group and report groups, whose names "
        "CodeBuild suffixes at run time.": [
            f"Resource::arn:<AWS::Partition>:logs:{where}:log-group:/aws/codebuild/<{p}>:*"
            for p in (
                "PipelineBuildSynthCdkBuildProject6BEFA8E6",
                "PipelineStagingBrowserTest29BE804F",
                "PipelineStagingSmokeTest890F3537",
                "PipelineUpdatePipelineSelfMutationDAA41400",
            )
        ]
        + [
            f"Resource::arn:<AWS::Partition>:codebuild:{where}:report-group/<{p}>-*"
            for p in (
                "PipelineBuildSynthCdkBuildProject6BEFA8E6",
                "PipelineStagingBrowserTest29BE804F",
                "PipelineStagingSmokeTest890F3537",
                "PipelineUpdatePipelineSelfMutationDAA41400",
            )
        ]
        + [
            f"Resource::arn:<AWS::Partition>:logs:{where}:log-group:/aws/codebuild/*",
            f"Resource::arn:<AWS::Partition>:codebuild:{where}:report-group/*",
        ],
        "CDK Pipelines' roles call APIs with no resource-level permissions (ecr:GetAuthorizationToken, "
        "codebuild report and pipeline state calls) and read the bootstrap version parameter.": [
            "Resource::*"
        ],
        "The self-mutation step assumes the cdk-* bootstrap roles of the accounts it deploys to; "
        "the bootstrap trust policies limit them to this pipeline's account.": [
            f"Resource::arn:*:iam::{pipeline.account}:role/*"
        ],
    }
    return [
        Ack(roles, f"AwsSolutions-IAM5[{finding}]", reason)
        for reason, found in groups.items()
        for finding in found
    ]


def _restore_testing_findings(stages: Iterable[StageConfig]) -> list[Ack]:
    """AWS Backup names the instances it restores for testing itself (awsbackup-restore-test-...),
    and the snapshots, subnet, parameter and option groups it restores with are chosen at test
    time: the role's resources are those name patterns in the stage's own account and region."""
    acks = []
    for stage in stages:
        rds = f"arn:aws:rds:{stage.region}:{stage.account}"
        for resource in (
            "db:awsbackup-restore-test-*",
            "snapshot:awsbackup*",
            "subgrp:*",
            "pg:*",
            "og:*",
        ):
            acks.append(
                Ack(
                    f"*reminderly-{stage.name}-database/RestoreTestingRole/DefaultPolicy/Resource",
                    f"AwsSolutions-IAM5[Resource::{rds}:{resource}]",
                    "AWS Backup restore testing picks the snapshot and names the restored instance at run time; "
                    "the role is limited to those name patterns in the stage's account and region.",
                )
            )
    return acks


def _drill_findings(stages: Iterable[StageConfig]) -> list[Ack]:
    """The scheduled DR drill (stacks/parts/drill_schedule.py) names the instances it restores
    by the failure instant, and restores what AWS named: the replicated automated backups and
    the DR vault's copies, with the engine's default option group."""
    acks = []
    for stage in stages:
        role = f"*reminderly-{stage.name}-dr-service/DrillTask/TaskRole/DefaultPolicy/Resource"
        rds = f"arn:aws:rds:{stage.dr_region}:{stage.account}"
        reasons = {
            f"{rds}:db:{stage.prefix}-drill-*": "the drill's temporary instances, named by the failure instant",
            f"{rds}:db:{stage.prefix}-vault-drill-*": "the vault drill's temporary instances, named by the failure instant",
            f"{rds}:auto-backup:*": "the primary's automated backups replicated here, whose ids RDS assigns",
            f"{rds}:snapshot:awsbackup:*": "the DR vault's copies, whose snapshot ids AWS Backup assigns",
            f"{rds}:og:default:postgres-*": "the engine's default option group, which every restore uses",
        }
        acks += [
            Ack(
                role,
                f"AwsSolutions-IAM5[Resource::{arn}]",
                f"The DR drill acts on {why}, in the stage's account and DR region only.",
            )
            for arn, why in reasons.items()
        ]
    return acks


FIXED_DRILL = [
    Ack(
        "*reminderly-*-dr-service/DrillTask/TaskRole/DefaultPolicy/Resource",
        "AwsSolutions-IAM5[Resource::*]",
        "cloudwatch:PutMetricData has no resource-level permissions; the statement is limited by the "
        "cloudwatch:namespace condition to Reminderly/DR.",
    ),
    Ack(
        "*reminderly-*-dr-service/DrillTask/EventsRole/DefaultPolicy/Resource",
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:us-west-2:*:task/<ClusterEB0386A7>/*]",
        "The schedule's role (CDK's EcsTask target) tags the tasks it starts in the standby's own cluster; "
        "task ids are assigned at run time.",
    ),
]


def register(
    stages: Iterable[StageConfig], pipeline: PipelineConfig, replication_buckets: Iterable[str] = ()
) -> list[Ack]:
    """The whole register for these settings (some findings name accounts, and the pipeline's
    cross-region bucket names, which CDK derives from them)."""
    return (
        FIXED
        + _pipeline_role_findings(pipeline, replication_buckets)
        + _restore_testing_findings(stages)
        + FIXED_DRILL
        + _drill_findings(stages)
    )


REGISTER = register(STAGES.values(), PIPELINE)


def acknowledge_all(app: cdk.App, acks: list[Ack] = REGISTER) -> dict[Ack, int]:
    """Apply every acknowledgment to the constructs it matches; returns matches per entry."""
    used = dict.fromkeys(acks, 0)
    for construct in app.node.find_all():
        path = construct.node.path
        for ack in acks:
            if fnmatch.fnmatchcase(path, ack.path):
                cdk.Validations.of(construct).acknowledge(
                    cdk.Acknowledgment(id=f"AwsSolutions::{ack.rule}", reason=ack.reason)
                )
                used[ack] += 1
    return used
