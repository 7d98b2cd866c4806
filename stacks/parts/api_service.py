"""The API: gunicorn on Fargate in private subnets, behind the front door's load balancer, which
routes only to tasks that report ready (/v1/ready: the schema is current). It scales on CPU and
on requests per task."""

from __future__ import annotations

from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from constructs import Construct

from cdk.config import StageConfig
from deploy_contract import naming
from stacks.parts.runtime import Runtime
from stacks.parts.unit import Unit, keep_scaling_policy_names

PORT = 8080
COMMAND = ["gunicorn", "-c", "python:app_service.gunicorn_conf", "app_service.api:create_app()"]


class ApiService(Unit):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        runtime: Runtime,
        standby: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        self.config, self.standby = config, standby
        # behind the load balancer: the client's address is the one it added to X-Forwarded-For
        # (the per-address limits before authentication count clients, not the ALB)
        self.task = runtime.task(
            self,
            "Api",
            COMMAND,
            config.api_cpu,
            config.api_memory_mib,
            port=PORT,
            login="api",
            environment={"REMINDERLY_PROXY_HOPS": "1"},
        )
        self.container = self.task.default_container
        assert self.container is not None
        # the standby runs at zero tasks in a named cluster, under a name `dr failover` scales
        self.service = runtime.service(
            self,
            "ApiService",
            self.task,
            0 if standby else config.api_min_tasks,
            naming.DR_SERVICES[0] if standby else None,
        )

    def scale(self, target_group: elbv2.ApplicationTargetGroup) -> None:
        """On CPU and on requests per task; the standby scales from zero (a failover raises the
        minimum to the stage's)."""
        scaling = self.service.auto_scale_task_count(
            min_capacity=0 if self.standby else self.config.api_min_tasks,
            max_capacity=self.config.api_max_tasks,
        )
        scaling.scale_on_cpu_utilization("Cpu", target_utilization_percent=60)
        scaling.scale_on_request_count(
            "Requests", requests_per_target=500, target_group=target_group
        )
        keep_scaling_policy_names(self)
