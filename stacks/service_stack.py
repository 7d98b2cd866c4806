"""Service: the API and the worker on ECS Fargate behind an HTTPS load balancer with WAF.

The stack only wires its units (stacks/parts/), each a construct of its own:
- Runtime: the cluster, the image, the tasks' network place, the database and link secrets;
- ApiService and WorkerService: the two Fargate services, their tasks and scaling;
- MigrateOnDeploy: the bootstrap once and the migrations on every deploy, before new tasks;
- FrontDoor: the zone and failover records, the certificate, the load balancer, WAF;
- InboundTopic: the SNS topic the providers' events and replies come back through.
Units are transparent to logical IDs (stacks/parts/unit.py): splitting the stack into them
replaced no deployed resource.

The same class builds the standby (pilot-light) tier in the DR region (`standby=True`): the same
image, task definitions and settings contract, both services at zero tasks in a named cluster,
the database and link secrets read from their replicas there, the DR region's own SES identity
and phone pool; no migrations on deploy (its database is prod's read replica, or absent until a
failover restores one); the SECONDARY failover record of the API's name.
"""

from __future__ import annotations

import json

from aws_cdk import CfnOutput
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from cdk.config import StageConfig
from deploy_contract import naming
from stacks.parts.api_service import PORT, ApiService
from stacks.parts.front_door import FrontDoor
from stacks.parts.inbound_topic import InboundTopic
from stacks.parts.migrate_on_deploy import MigrateOnDeploy
from stacks.parts.runtime import RDS_CA_BUNDLE, Runtime
from stacks.parts.unit import UnitStack
from stacks.parts.waf import UPLOAD_PATH
from stacks.parts.worker_service import WorkerService

__all__ = ["PORT", "RDS_CA_BUNDLE", "UPLOAD_PATH", "ServiceStack"]


class ServiceStack(UnitStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        vpc: ec2.IVpc,
        database_secret_arn: str | None,
        database_key: kms.IKey,
        database_login_secret_arns: dict[str, str] | None = None,
        database_security_group: ec2.ISecurityGroup,
        standby: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config, self.standby = config, standby
        self.runtime = runtime = Runtime(
            self,
            "Runtime",
            config=config,
            vpc=vpc,
            database_secret_arn=database_secret_arn,
            database_key=database_key,
            database_login_secret_arns=database_login_secret_arns,
            database_security_group=database_security_group,
            standby=standby,
        )
        api = ApiService(self, "Api", config=config, runtime=runtime, standby=standby)
        worker = WorkerService(self, "Worker", config=config, runtime=runtime, standby=standby)
        migrations = MigrateOnDeploy(
            self,
            "Migrations",
            config=config,
            runtime=runtime,
            standby=standby,
            services=[api.service, worker.service],
        )
        self.rotation_failures = runtime.watch_rotations()
        front_door = FrontDoor(self, "FrontDoor", config=config, vpc=vpc, api=api, standby=standby)
        api.scale(front_door.target_group)
        worker.scale()
        # the stage's own name, on which the certificate is valid: links in messages, the SNS
        # subscription and integrators use it, never the load balancer's generated name
        public_url = f"https://{config.domain_name}"
        self.api_url = CfnOutput(
            self,
            "ApiUrl",
            value=public_url,
            description="Base URL of the API (the smoke test and integrators use it)",
        )
        for unit in (api, worker):
            unit.container.add_environment("REMINDERLY_PUBLIC_URL", public_url)
        # what scripts/stage-run.sh needs to run a one-off `reminderly ...` in the stage (runbooks)
        for key, value, what in [
            ("ClusterName", runtime.cluster.cluster_name, "the ECS cluster"),
            (
                "WorkerTaskDefinition",
                worker.task.task_definition_arn,
                "one-off reminderly commands run as this",
            ),
            (
                "WorkerServiceName",
                worker.service.service_name,
                "its network settings are the one-off task's",
            ),
            (
                "WorkerLogGroup",
                runtime.log_groups["Worker"].log_group_name,
                "the worker's (and one-off commands') logs",
            ),
            # what the API's runbooks name (aws logs tail, ecs describe-services, elbv2)
            ("ApiServiceName", api.service.service_name, "the API's ECS service"),
            ("ApiLogGroup", runtime.log_groups["Api"].log_group_name, "the API's logs"),
            (
                "ApiTargetGroupArn",
                front_door.target_group.target_group_arn,
                "the API's target group (its health is the readiness check's)",
            ),
        ]:
            CfnOutput(self, f"{key}Output", key=key, value=value, description=what)
        inbound = InboundTopic(self, "InboundEvents", config=config, public_url=public_url)
        if standby:  # where `reminderly dr failover|failback` records its progress (resumable)
            ssm.StringParameter(
                self,
                "FailoverState",
                parameter_name=naming.failover_state(config.name),
                description="Progress of the last dr failover/failback (JSON; written by reminderly dr)",
                string_value=json.dumps(
                    {"plan": None, "status": "standby", "done": [], "data": {}}
                ),
            )
        api.container.add_environment("REMINDERLY_SNS_TOPICS", inbound.topic.topic_arn)

        # what the monitoring stack and the drill read
        self.cluster, self.app_subnets, self.task_groups = (
            runtime.cluster,
            runtime.subnets,
            runtime.security_groups,
        )
        self.api, self.worker, self.api_task, self.worker_task = (
            api.service,
            worker.service,
            api.task,
            worker.task,
        )
        self.worker_role = worker.role
        self.load_balancer, self.target_group = front_door.load_balancer, front_door.target_group
        self.zone = front_door.zone
        self.inbound_topic, self.inbound_dlq = inbound.topic, inbound.dead_letters
        self.migration_failures = migrations.failures
