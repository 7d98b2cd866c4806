"""The monitoring stack's alarms on what stops messages or their answers without failing a send
(the database, SES reputation, undelivered inbound events, a failed migration or rotation) and
on disaster-recovery drills: functions of the stack, so their logical IDs are the stack's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_rds as rds

from deploy_contract import metrics as M
from deploy_contract.dr import OBJECTIVES, VAULT_RPO_SECONDS
from stacks.parts.runbook_alarm import RunbookAlarm

if TYPE_CHECKING:
    from stacks.monitoring_stack import MonitoringStack
    from stacks.service_stack import ServiceStack

GT = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
LT = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD


def delivery_alarms(
    stack: MonitoringStack, database: rds.IDatabaseInstance, service: ServiceStack
) -> list[RunbookAlarm]:
    """What stops messages or their answers without failing a send: the database gone,
    SES reputation (AWS pauses an account's sending at high bounce or complaint rates),
    inbound events SNS could not deliver, a failed migration, a failed credential rotation."""
    minute = Duration.minutes(1)
    inbound = service.inbound_topic.topic_name
    return [
        # RDS stops reporting engine metrics while the instance is down (stopped, crashed,
        # storage-full, failing over): no sample for 3 minutes is the outage
        stack.alarm(
            "database-unavailable",
            "The database reported no metrics for 3 minutes: it is down or unreachable.",
            1,
            LT,
            database.metric_database_connections(statistic="SampleCount", period=minute),
            evaluation_periods=3,
            missing_data=cloudwatch.TreatMissingData.BREACHING,
        ),
        stack.alarm(
            "ses-bounce-rate-high",
            "SES bounce rate above {t} (AWS reviews the account at 0.05).",
            0.04,
            GT,
            cloudwatch.Metric(
                namespace="AWS/SES",
                metric_name="Reputation.BounceRate",
                statistic="Maximum",
                period=Duration.minutes(15),
            ),
            evaluation_periods=1,
        ),
        stack.alarm(
            "ses-complaint-rate-high",
            "SES complaint rate above {t} (AWS reviews the account at 0.001).",
            0.0008,
            GT,
            cloudwatch.Metric(
                namespace="AWS/SES",
                metric_name="Reputation.ComplaintRate",
                statistic="Maximum",
                period=Duration.minutes(15),
            ),
            evaluation_periods=1,
        ),
        stack.alarm(
            "inbound-delivery-failures",
            "SNS could not deliver inbound events (replies, opt-outs, bounces) to the API; they wait in the dead-letter queue.",
            0,
            GT,
            cloudwatch.MathExpression(
                expression="FILL(failed, 0) + FILL(waiting, 0)",
                period=Duration.minutes(5),
                using_metrics={
                    "failed": cloudwatch.Metric(
                        namespace="AWS/SNS",
                        metric_name="NumberOfNotificationsFailed",
                        statistic="Sum",
                        dimensions_map={"TopicName": inbound},
                    ),
                    "waiting": service.inbound_dlq.metric_approximate_number_of_messages_visible(
                        statistic="Maximum"
                    ),
                },
                label="undelivered inbound events",
            ),
            evaluation_periods=1,
        ),
        stack.alarm(
            "migration-failed",
            "The deploy's migration task failed: new API tasks cannot become ready.",
            0,
            GT,
            cloudwatch.Metric(
                namespace="AWS/Events",
                metric_name="TriggeredRules",
                statistic="Sum",
                period=Duration.minutes(5),
                dimensions_map={"RuleName": service.migration_failures.rule_name},
            ),
            evaluation_periods=1,
        ),
        stack.alarm(
            "secret-rotation-failed",
            "A Secrets Manager rotation failed: a database login's password may now differ from its secret's AWSCURRENT.",
            0,
            GT,
            cloudwatch.Metric(
                namespace="AWS/Events",
                metric_name="TriggeredRules",
                statistic="Sum",
                period=Duration.minutes(5),
                dimensions_map={"RuleName": service.rotation_failures.rule_name},
            ),
            evaluation_periods=1,
        ),
    ]


def dr_alarms(stack: MonitoringStack) -> list[RunbookAlarm]:
    """Drills (`reminderly dr drill`, scheduled in the standby tier) publish DrillSucceeded
    (1, or 0 when a restore failed or breached its RPO/RTO objectives) in the DR region:
    none for a week, or a failed one, alarms."""
    objectives = OBJECTIVES[stack.config.name]
    day = Duration.days(1)

    def succeeded(statistic: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace=M.DR_NAMESPACE,
            metric_name=M.DRILL_SUCCEEDED,
            statistic=statistic,
            period=day,
            dimensions_map={M.STAGE_DIMENSION: stack.config.name},
        )

    return [  # they act in standby too: the drill runs while the primary serves
        stack.alarm(
            "dr-drill-overdue",
            f"No successful DR drill in {objectives.drill_every_days} days.",
            1,
            LT,
            succeeded("Maximum"),
            evaluation_periods=objectives.drill_every_days,
            missing_data=cloudwatch.TreatMissingData.BREACHING,
            actions_enabled=True,
        ),
        stack.alarm(
            "dr-drill-objective-breached",
            f"A DR drill failed or missed its objectives (RPO {objectives.rpo_seconds} s, "
            f"RTO {objectives.rto_seconds} s; the DR vault's copies: RPO {VAULT_RPO_SECONDS} s).",
            1,
            LT,
            succeeded("Minimum"),
            evaluation_periods=1,
            actions_enabled=True,
        ),
    ]
