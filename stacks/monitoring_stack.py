"""Monitoring: alarms (each with its runbook), a composite alarm that pages, a dashboard.

The standby tier in the DR region has the same alarms with their actions disabled (its
services are at zero and its database absent or a replica: they would page all the time);
`reminderly dr failover` enables them. prod's replica-lag-high acts in standby too, and the
DR drill's alarms live only there (the scheduled drill runs and publishes in the DR region)."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from cdk.config import StageConfig
from deploy_contract import metrics as M
from stacks.parts import platform_alarms
from stacks.parts.runbook_alarm import RunbookAlarm, RunbookCompositeAlarm
from stacks.parts.unit import UnitStack
from stacks.service_stack import ServiceStack

GT = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
LT = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD


class MonitoringStack(UnitStack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        database: rds.IDatabaseInstance,
        service: ServiceStack,
        standby: bool = False,
        replica_lag: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        self.standby = standby
        key = kms.Key(
            self, "PagingKey", description="Encrypts the paging topic", enable_key_rotation=True
        )
        self.topic = sns.Topic(
            self, "Paging", topic_name=f"{config.prefix}-paging", master_key=key, enforce_ssl=True
        )
        if config.paging_subscription:  # required outside dev (cdk/config.py refuses without)
            target = config.paging_subscription
            self.topic.add_subscription(
                subscriptions.UrlSubscription(target, protocol=sns.SubscriptionProtocol.HTTPS)
                if target.startswith("https://")
                else subscriptions.EmailSubscription(target)
            )
        key.grant_encrypt_decrypt(_cloudwatch_principal())

        t = config.alarms
        five = Duration.minutes(5)
        rds_alarms = [
            self.alarm(
                "rds-cpu-high",
                "Database CPU above {t}% for 15 minutes.",
                t.rds_cpu_percent,
                GT,
                database.metric_cpu_utilization(period=five),
            ),
            self.alarm(
                "rds-free-storage-low",
                "Database free storage below {t} GiB.",
                t.rds_free_storage_gib * 2**30,
                LT,
                database.metric_free_storage_space(period=five),
            ),
            self.alarm(
                "rds-freeable-memory-low",
                "Database freeable memory below {t} MiB.",
                t.rds_freeable_memory_mib * 2**20,
                LT,
                database.metric_freeable_memory(period=five),
            ),
            self.alarm(
                "rds-connections-high",
                "Database connections above {t}.",
                t.rds_connections,
                GT,
                database.metric_database_connections(period=five),
            ),
            self.alarm(
                "rds-transaction-id-wraparound",
                "Oldest transaction ID age above {t}: vacuum is not keeping up.",
                t.rds_max_used_transaction_ids,
                GT,
                database.metric("MaximumUsedTransactionIDs", period=five),
            ),
            self.alarm(
                "backup-copy-failed",
                "An AWS Backup copy to the DR region failed.",
                0,
                GT,
                cloudwatch.Metric(
                    namespace="AWS/Backup",
                    metric_name="NumberOfCopyJobsFailed",
                    statistic="Sum",
                    period=Duration.hours(1),
                ),
                evaluation_periods=1,
            ),
        ]
        app_alarms = [
            self.alarm(
                "oldest-ready-message-age",
                "The oldest ready message has waited over 5 minutes: reminders are late.",
                300,
                GT,
                self._app(M.OLDEST_READY_MESSAGE_AGE, "Maximum"),
            ),
            self.alarm(
                "dispatch-failure-rate",
                "Over 5% of send attempts failed (retried, failed or dead) in 15 minutes.",
                5,
                GT,
                self.failure_rate(),
            ),
            self.alarm(
                "dead-messages",
                "Messages went dead (retries spent).",
                0,
                GT,
                self._app(M.MESSAGES_DEAD, "Sum"),
                evaluation_periods=1,
            ),
            self.alarm(
                "packet-load-failures",
                "Packets failed to load.",
                0,
                GT,
                self._app(M.PACKETS_FAILED, "Sum"),
                evaluation_periods=1,
            ),
            self.alarm(
                "sms-route-switched",
                "SMS went out from the secondary origination: the primary pool was "
                "throttled or failing.",
                0,
                GT,
                self._app(M.SMS_ROUTE_ON_SECONDARY, "Maximum", period=Duration.minutes(1)),
                evaluation_periods=1,
            ),
            self.alarm(
                "worker-heartbeat-missing",
                "No worker heartbeat for 5 minutes: no messages are being sent.",
                1,
                LT,
                self._app(M.WORKER_HEARTBEAT, "SampleCount", period=Duration.minutes(1)),
                evaluation_periods=5,
                missing_data=cloudwatch.TreatMissingData.BREACHING,
            ),
        ]
        # the drill runs in the DR region and publishes there: its alarms are the standby's
        self.alarms = (
            rds_alarms
            + app_alarms
            + self._service_alarms(service)
            + (platform_alarms.dr_alarms(self) if standby else [])
            + platform_alarms.delivery_alarms(self, database, service)
        )
        if replica_lag:  # acts in standby: the replica is what prod's RPO rests on
            self.alarms.append(
                self.alarm(
                    "replica-lag-high",
                    "The DR replica is over {t} s behind the primary (prod's RPO rests on it).",
                    t.replica_lag_seconds,
                    GT,
                    database.metric("ReplicaLag", statistic="Maximum", period=five),
                    actions_enabled=True,
                    # a replica that reports no lag is not replicating (stopped, broken, gone):
                    # the RPO is then unbounded, which silence must not hide
                    missing_data=cloudwatch.TreatMissingData.BREACHING,
                )
            )

        composed = {
            "oldest-ready-message-age",
            "worker-heartbeat-missing",
            "dispatch-failure-rate",
            "rds-cpu-high",
            "rds-free-storage-low",
            "rds-transaction-id-wraparound",
            "alb-5xx-rate",
            "api-unhealthy-hosts",
            "database-unavailable",
        }
        self.degraded = RunbookCompositeAlarm(
            self,
            "service-degraded",
            construct_id="ServiceDegraded",
            config=config,
            summary="Customers are not getting their messages on time, or the database is in trouble.",
            alarms=[a.alarm for a in self.alarms if a.alarm_id in composed],
            paging_topic=self.topic,
            actions_enabled=not standby,
        ).alarm
        self._dashboard(database)

    def _service_alarms(self, service: ServiceStack) -> list[RunbookAlarm]:
        """The front door and the ECS services."""
        alb = service.load_balancer.metrics
        tg = service.target_group.metrics
        five = Duration.minutes(5)
        requests = alb.request_count(period=five)
        errors = alb.http_code_elb(elbv2.HttpCodeElb.ELB_5XX_COUNT, period=five)
        target_errors = tg.http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=five)
        alarms = [
            self.alarm(
                "alb-5xx-rate",
                "Over 2% of requests got a 5xx answer for 15 minutes.",
                2,
                GT,
                cloudwatch.MathExpression(
                    expression="100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / MAX([FILL(requests, 0), 1])",
                    using_metrics={
                        "elb5xx": errors,
                        "target5xx": target_errors,
                        "requests": requests,
                    },
                    period=five,
                    label="5xx %",
                ),
            ),
            self.alarm(
                "api-latency-p99-high",
                "API p99 latency above 1 s for 15 minutes.",
                1.0,
                GT,
                tg.target_response_time(statistic="p99", period=five),
            ),
            self.alarm(
                "api-unhealthy-hosts",
                "An API task fails its readiness check.",
                0,
                GT,
                tg.unhealthy_host_count(period=Duration.minutes(1)),
                evaluation_periods=5,
            ),
        ]
        for name, svc in (("api", service.api), ("worker", service.worker)):
            running = cloudwatch.Metric(
                namespace="ECS/ContainerInsights",
                metric_name="RunningTaskCount",
                statistic="Minimum",
                period=Duration.minutes(1),
                dimensions_map={
                    "ClusterName": service.cluster.cluster_name,
                    "ServiceName": svc.service_name,
                },
            )
            desired = cloudwatch.Metric(
                namespace="ECS/ContainerInsights",
                metric_name="DesiredTaskCount",
                statistic="Maximum",
                period=Duration.minutes(1),
                dimensions_map={
                    "ClusterName": service.cluster.cluster_name,
                    "ServiceName": svc.service_name,
                },
            )
            alarms.append(
                self.alarm(
                    f"{name}-tasks-below-desired",
                    f"Fewer {name} tasks run than desired for 5 minutes.",
                    0,
                    GT,
                    cloudwatch.MathExpression(
                        expression="desired - running",
                        period=Duration.minutes(1),
                        using_metrics={"desired": desired, "running": running},
                        label=f"{name} tasks missing",
                    ),
                    evaluation_periods=5,
                )
            )
        return alarms

    def failure_rate(self) -> cloudwatch.MathExpression:
        """Failed attempts over all attempts, in %. A provider outage makes messages retry (and
        later go dead), so retries and dead messages count as failures, not only the terminal
        `failed`; the worker emits one of MessagesSent/Retried/Failed/Dead per attempt."""
        names = {
            "sent": M.MESSAGES_SENT,
            "retried": M.MESSAGES_RETRIED,
            "failed": M.MESSAGES_FAILED,
            "dead": M.MESSAGES_DEAD,
        }
        f = {k: f"FILL({k}, 0)" for k in names}
        return cloudwatch.MathExpression(
            expression=f"100 * ({f['retried']} + {f['failed']} + {f['dead']}) / "
            f"MAX([{f['sent']} + {f['retried']} + {f['failed']} + {f['dead']}, 1])",
            using_metrics={k: self._app(name, "Sum") for k, name in names.items()},
            period=Duration.minutes(5),
            label="dispatch failure %",
        )

    def _app(self, name: str, statistic: str, period: Duration | None = None) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace=M.APP_NAMESPACE,
            metric_name=name,
            statistic=statistic,
            period=period or Duration.minutes(5),
            dimensions_map={M.STAGE_DIMENSION: self.config.name},
        )

    def alarm(
        self, alarm_id: str, summary: str, threshold: float, comparison, metric, **kwargs
    ) -> RunbookAlarm:
        shown = (
            threshold / 2**30
            if "GiB" in summary
            else threshold / 2**20
            if "MiB" in summary
            else threshold
        )
        kwargs.setdefault("actions_enabled", not self.standby)
        return RunbookAlarm(
            self,
            alarm_id,
            config=self.config,
            summary=summary.format(t=f"{shown:g}"),
            metric=metric,
            threshold=threshold,
            comparison=comparison,
            paging_topic=self.topic,
            **kwargs,
        )

    def _dashboard(self, database: rds.IDatabaseInstance) -> None:
        board = cloudwatch.Dashboard(
            self,
            "Dashboard",  # dashboard names are global to the account: the standby's differs
            dashboard_name=f"{self.config.prefix}-{'dr-' if self.standby else ''}overview",
        )
        board.add_widgets(
            cloudwatch.AlarmStatusWidget(
                title="Alarms", alarms=[a.alarm for a in self.alarms] + [self.degraded], width=24
            ),
        )
        board.add_widgets(
            cloudwatch.GraphWidget(
                title="Oldest ready message (s)",
                left=[self._app(M.OLDEST_READY_MESSAGE_AGE, "Maximum")],
            ),
            cloudwatch.GraphWidget(
                title="Sent / retried / failed / dead",
                left=[
                    self._app(M.MESSAGES_SENT, "Sum"),
                    self._app(M.MESSAGES_RETRIED, "Sum"),
                    self._app(M.MESSAGES_FAILED, "Sum"),
                    self._app(M.MESSAGES_DEAD, "Sum"),
                ],
                right=[self.failure_rate()],
            ),
            cloudwatch.GraphWidget(
                title="Database CPU / connections",
                left=[database.metric_cpu_utilization()],
                right=[database.metric_database_connections()],
            ),
        )
        # one graph per alarm, its metric against its threshold, titled by the alarm id: what
        # each runbook's "Is it real" starts from
        widgets = [
            cloudwatch.AlarmWidget(alarm=a.alarm, title=a.alarm_id, width=8) for a in self.alarms
        ]
        for row in range(0, len(widgets), 3):
            board.add_widgets(*widgets[row : row + 3])


def _cloudwatch_principal():
    from aws_cdk import aws_iam as iam

    return iam.ServicePrincipal("cloudwatch.amazonaws.com")
