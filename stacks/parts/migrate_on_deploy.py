"""Migrations on every deploy: a one-off task started by a custom resource whose id is the
image's hash, which the API and worker services wait for. New API tasks report ready only once
the schema is current, so a new version takes no traffic before it. A failed migration task
matches a rule (alarm migration-failed). The first deploy also runs `reminderly db bootstrap`
(the logins), once, before the first migration.

The standby tier has neither: its database is prod's read replica, or absent until a failover
restores one; only the failure rule (its metric is the standby's alarm's)."""

from __future__ import annotations

from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct, IConstruct

from cdk.config import StageConfig
from stacks.parts.failure_rule import failure_rule
from stacks.parts.runtime import PG_FIELDS, Runtime
from stacks.parts.unit import Unit

BOOTSTRAP_PASSWORDS = {
    "owner": "REMINDERLY_OWNER_PASSWORD",
    "api": "REMINDERLY_API_LOGIN_PASSWORD",
    "worker": "REMINDERLY_WORKER_LOGIN_PASSWORD",
}
BOOTSTRAP_VERSION = 1  # raise it to run `reminderly db bootstrap` again on the next deploy


class MigrateOnDeploy(Unit):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        runtime: Runtime,
        services: list[IConstruct],
        standby: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        self.runtime = runtime
        # the first deploy's migration may start before the bootstrap created its login: it waits
        self.task = runtime.task(
            self,
            "Migrate",
            ["reminderly", "db", "migrate", "--wait-for-login", "900"],
            256,
            512,
            login="owner",
        )
        bootstrap_task = self._bootstrap_task()
        if not standby:
            bootstrap = self._start_task(
                "BootstrapOnCreate", bootstrap_task, f"bootstrap-{BOOTSTRAP_VERSION}"
            )
            migrate = self._start_task(
                "MigrateOnDeploy", self.task, f"migrate-{runtime.image.asset_hash}"
            )
            migrate.node.add_dependency(bootstrap)
            for service in services:
                service.node.add_dependency(migrate)
        self.failures = self._watch(config)

    def _bootstrap_task(self) -> ecs.FargateTaskDefinition:
        """`reminderly db bootstrap`: the only task that reads the master user's secret; it also
        gets each login's first password (the logins' secrets, AWSCURRENT at its start). Started
        when the stack is created (and when BOOTSTRAP_VERSION changes); it is idempotent, so a
        re-run is safe too (scripts/stage-run.sh, runbooks)."""
        r = self.runtime
        db = {
            key: ecs.Secret.from_secrets_manager(r.master_secret, field)
            for key, field in PG_FIELDS.items()
        }
        firsts = {
            variable: ecs.Secret.from_secrets_manager(r.login_secrets[login], "password")
            for login, variable in BOOTSTRAP_PASSWORDS.items()
        }
        return r.task(
            self, "Bootstrap", ["reminderly", "db", "bootstrap"], 256, 512, secrets={**db, **firsts}
        )

    def _start_task(
        self, construct_id: str, task: ecs.FargateTaskDefinition, physical_id: str
    ) -> cr.AwsCustomResource:
        r = self.runtime
        vpc_subnets = r.cluster.vpc.select_subnets(subnet_type=r.subnets.subnet_type).subnet_ids
        run_task = cr.AwsSdkCall(
            service="ECS",
            action="runTask",
            parameters={
                "cluster": r.cluster.cluster_name,
                "taskDefinition": task.task_definition_arn,
                "launchType": "FARGATE",
                "count": 1,
                "networkConfiguration": {
                    "awsvpcConfiguration": {
                        "subnets": vpc_subnets,
                        "securityGroups": [g.security_group_id for g in r.security_groups],
                        "assignPublicIp": "DISABLED",
                    }
                },
            },
            physical_resource_id=cr.PhysicalResourceId.of(physical_id),
        )
        return cr.AwsCustomResource(
            self,
            construct_id,
            on_create=run_task,
            on_update=run_task,
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [
                    iam.PolicyStatement(
                        actions=["ecs:RunTask"], resources=[task.task_definition_arn]
                    ),
                    iam.PolicyStatement(
                        actions=["iam:PassRole"],
                        resources=[task.task_role.role_arn, task.obtain_execution_role().role_arn],
                    ),
                ]
            ),
            install_latest_aws_sdk=False,
        )

    def _watch(self, config: StageConfig) -> events.Rule:
        """A migration task that exits non-zero or cannot start matches this rule (alarm
        migration-failed on its TriggeredRules); the events are kept in a queue for diagnosis."""
        return failure_rule(
            self,
            "Migration",
            config=config,
            rule_name=f"{config.prefix}-migration-failed",
            description="The one-off `reminderly db migrate` task stopped with a failure",
            pattern=events.EventPattern(
                source=["aws.ecs"],
                detail_type=["ECS Task State Change"],
                detail={
                    "clusterArn": [self.runtime.cluster.cluster_arn],
                    "taskDefinitionArn": [self.task.task_definition_arn],
                    "lastStatus": ["STOPPED"],
                    "$or": [
                        {"containers": {"exitCode": [{"anything-but": 0}]}},
                        {"stopCode": ["TaskFailedToStart"]},
                    ],
                },
            ),
            output_description="Events of failed migration tasks (runbooks/migration-failed.md)",
        )
