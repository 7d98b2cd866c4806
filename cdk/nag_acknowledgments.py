"""The one register of acknowledged cdk-nag findings: each names the construct path pattern,
the rule, and the specific reason. tests/infra checks every entry is specific and used."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

import aws_cdk as cdk


@dataclass(frozen=True)
class Ack:
    path: str  # fnmatch pattern over construct paths, e.g. "reminderly-*-database/Postgres"
    rule: str  # e.g. "AwsSolutions-RDS11"
    reason: str


REGISTER: list[Ack] = [
    Ack("reminderly-*-network/Vpc/*/SecurityGroup/Resource", "AwsSolutions-EC23",
        "Interface endpoint security groups allow 443 from the VPC's own CIDR only (CDK's default); "
        "cdk-nag cannot evaluate the CIDR because it is a reference to the VPC."),
    Ack("reminderly-*-database/Postgres/MonitoringRole/Resource",
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]",
        "Enhanced Monitoring requires this AWS-managed role policy; it grants only CloudWatch Logs writes for RDS."),
    Ack("reminderly-*-database/Plan/Database/Role/Resource",
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]",
        "AWS Backup's own service-role policy, the documented way to let the plan snapshot and copy the database."),
    Ack("reminderly-*-database/Postgres/Resource", "AwsSolutions-RDS11",
        "Port 5432 is reachable only from the service tasks' security group inside isolated subnets; "
        "a non-default port adds no protection and breaks client defaults."),
    Ack("reminderly-dev-database/Postgres/Resource", "AwsSolutions-RDS3",
        "dev runs single-AZ to save cost; prod is Multi-AZ (stage config, asserted in tests/infra)."),
    Ack("reminderly-staging-database/Postgres/Resource", "AwsSolutions-RDS3",
        "staging runs single-AZ to save cost; prod is Multi-AZ (stage config, asserted in tests/infra)."),
    Ack("reminderly-dev-database/Postgres/Resource", "AwsSolutions-RDS10",
        "dev databases are disposable (torn down with the stack); staging and prod have deletion protection."),
    Ack("reminderly-*-service/LoadBalancer/SecurityGroup/Resource", "AwsSolutions-EC23",
        "The load balancer is the public HTTPS front door (443, and 80 only to redirect to 443), behind AWS WAF."),
    Ack("reminderly-*-service/*Task/Resource", "AwsSolutions-ECS2",
        "The plain environment holds only non-secret settings (PGSSLMODE, REMINDERLY_STAGE); "
        "database credentials come from Secrets Manager as ECS secrets."),
    Ack("reminderly-*-service/*Task/ExecutionRole/DefaultPolicy/Resource", "AwsSolutions-IAM5[Resource::*]",
        "ecr:GetAuthorizationToken has no resource-level permissions: AWS requires Resource '*' for it."),
    Ack("reminderly-*-service/WorkerTask/TaskRole/DefaultPolicy/Resource", "AwsSolutions-IAM5[Resource::*]",
        "cloudwatch:PutMetricData has no resource-level permissions; the statement is limited by the "
        "cloudwatch:namespace condition to the Reminderly namespace."),
    Ack("reminderly-*-service/AWS679f53fac002430cb0da5b7982bd2287/ServiceRole/Resource",
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        "The migrate-on-deploy custom resource's function needs only to write its own logs; its ECS "
        "permissions are scoped to the migration task definition."),
    Ack("reminderly-*-service/AccessLogs/Resource", "AwsSolutions-S1",
        "This bucket receives the load balancer's access logs; logging its own accesses would recurse."),
]  # fmt: skip


def acknowledge_all(app: cdk.App) -> dict[Ack, int]:
    """Apply every acknowledgment to the constructs it matches; returns matches per entry."""
    used = dict.fromkeys(REGISTER, 0)
    for construct in app.node.find_all():
        path = construct.node.path
        for ack in REGISTER:
            if fnmatch.fnmatchcase(path, ack.path):
                cdk.Validations.of(construct).acknowledge(
                    cdk.Acknowledgment(id=f"AwsSolutions::{ack.rule}", reason=ack.reason)
                )
                used[ack] += 1
    return used
