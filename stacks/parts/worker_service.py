"""The worker: sends through SES and End User Messaging SMS at the provider rates the stage was
granted, from the stage's identities only, and scales on the expected drain time of the backlog
(the metric every worker publishes), never beyond the tasks those rates can use. The primary's
workers also publish their newest committed write to the DR region (the drill reads it)."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.aws_applicationautoscaling import MetricAggregationType, ScalingInterval
from aws_cdk.aws_cloudwatch import Metric
from constructs import Construct

from cdk.config import StageConfig
from deploy_contract import metrics as M
from deploy_contract import naming
from stacks.parts.runtime import Runtime
from stacks.parts.unit import Unit, keep_scaling_policy_names


class WorkerService(Unit):
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
        ses_identity, configuration_set, sms_pool = config.sending(standby)
        self.task = runtime.task(
            self,
            "Worker",
            ["reminderly", "worker", "--channel", "aws"],
            512,
            1024,
            login="worker",
            environment={
                "REMINDERLY_SES_FROM": f"Reminders <no-reply@{ses_identity}>",
                "REMINDERLY_SES_CONFIGURATION_SET": configuration_set,
                "REMINDERLY_SMS_ORIGINATION": sms_pool,
                "REMINDERLY_SMS_CONFIGURATION_SET": configuration_set,
                "REMINDERLY_SMS_RATE": str(config.sms_per_second),
                "REMINDERLY_EMAIL_RATE": str(config.email_per_second),
                "REMINDERLY_INFLIGHT": str(config.worker_inflight),
                # the second SMS route is the primary region's (origination identities are regional)
                **(
                    {}
                    if standby or not config.sms_secondary_origination
                    else {
                        "REMINDERLY_SMS_SECONDARY_ORIGINATION": config.sms_secondary_origination,
                        "REMINDERLY_SMS_ROUTE_FAILURE_SHARE": str(config.sms_route_failure_share),
                        "REMINDERLY_SMS_ROUTE_SECONDS": str(config.sms_route_seconds),
                    }
                ),
            },
        )
        self.container = self.task.default_container
        assert self.container is not None
        self.role = self.task.task_role
        self._grant_sending(ses_identity, configuration_set, sms_pool)
        if not standby:
            self._publish_last_write()
        self.service = runtime.service(
            self,
            "WorkerService",
            self.task,
            0 if standby else config.worker_min_tasks,
            naming.DR_SERVICES[1] if standby else None,
        )

    def _grant_sending(self, ses_identity: str, configuration_set: str, sms_pool: str) -> None:
        """The worker sends email through SES with its configuration set, and SMS through End
        User Messaging from the stage's numbers: those actions on those resources only."""
        stack, c = Stack.of(self), self.config
        arn = f"arn:aws:{{}}:{stack.region}:{stack.account}:{{}}"
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["ses:SendEmail", "ses:SendRawEmail"],
                resources=[
                    arn.format("ses", f"identity/{ses_identity}"),
                    arn.format("ses", f"configuration-set/{configuration_set}"),
                ],
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["sms-voice:SendTextMessage"],
                # the standby sends from the DR region's pool only: per-account pools are regional
                # and not registered there (their accounts send from the shared pool after a failover)
                resources=[
                    arn.format("sms-voice", f"pool/{pool}")
                    for pool in (sms_pool, *(() if self.standby else c.account_sms_pool_ids))
                ]
                + (
                    []
                    if self.standby or not c.sms_secondary_origination
                    else [origination_arn(arn, c.sms_secondary_origination)]
                ),
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["ses:GetAccount"],
                resources=["*"],  # MaxSendRate, read at start; no resource form
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": M.APP_NAMESPACE}},
            )
        )

    def _publish_last_write(self) -> None:
        """The primary's workers put their newest committed heartbeat into the DR region's
        parameter (the DR stack's), which the drill there reads (app_service/ops/write_marker.py)."""
        c = self.config
        parameter = naming.last_write_parameter(c.name)
        self.container.add_environment("REMINDERLY_LAST_WRITE_PARAMETER", parameter)
        self.container.add_environment("REMINDERLY_DR_REGION", c.dr_region)
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["ssm:PutParameter"],
                resources=[f"arn:aws:ssm:{c.dr_region}:{c.account}:parameter{parameter}"],
            )
        )

    def scale(self) -> None:
        """The worker scales on the backlog against the rate it achieves, not on CPU: the
        expected drain time (ready messages / messages sent per second, published by every
        worker). Over 2 minutes of backlog adds tasks, under 30 s removes one; never beyond
        the tasks the provider rates can use (more would only wait for tokens). The standby
        scales from zero (a failover raises the minimum to the stage's)."""
        scaling = self.service.auto_scale_task_count(
            min_capacity=0 if self.standby else self.config.worker_min_tasks,
            max_capacity=self.config.worker_tasks_for_rate,
        )
        drain = Metric(
            namespace=M.APP_NAMESPACE,
            metric_name=M.EXPECTED_DRAIN,
            statistic="Maximum",
            period=Duration.minutes(1),
            dimensions_map={M.STAGE_DIMENSION: self.config.name},
        )
        scaling.scale_on_metric(
            "ExpectedDrainTime",
            metric=drain,
            adjustment_type=None,
            metric_aggregation_type=MetricAggregationType.MAXIMUM,
            cooldown=Duration.minutes(2),
            scaling_steps=[
                ScalingInterval(upper=30, change=-1),
                ScalingInterval(lower=120, change=+1),
                ScalingInterval(lower=600, change=+3),
            ],
        )
        keep_scaling_policy_names(self)


def origination_arn(arn: str, identity: str) -> str:
    """The IAM resource of an End User Messaging origination identity given as an ARN, a pool
    id or a phone number id."""
    if identity.startswith("arn:"):
        return identity
    for prefix, kind in (("pool-", "pool"), ("phone-", "phone-number")):
        if identity.startswith(prefix):
            return arn.format("sms-voice", f"{kind}/{identity}")
    raise ValueError(
        f"sms_secondary_origination {identity!r}: give an ARN, a pool id or a phone number id"
    )
