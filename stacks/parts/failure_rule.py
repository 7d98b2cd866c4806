"""An EventBridge rule for a failure event, whose matches are kept in a queue for diagnosis and
counted by the rule's TriggeredRules metric (what the monitoring stack alarms on)."""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cdk.config import StageConfig


def failure_rule(
    scope: Construct,
    name: str,
    *,
    config: StageConfig,
    rule_name: str,
    description: str,
    pattern: events.EventPattern,
    output_description: str,
) -> events.Rule:
    """`<name>Failed` (the rule) into `<name>Failures` (the queue, 14 days), whose URL is the
    stack output `<name>FailuresQueue` (the runbook reads the events from there)."""
    failures = sqs.Queue(
        scope,
        f"{name}Failures",
        queue_name=f"{config.prefix}-{name.lower()}-failures",
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=Duration.days(14),
    )
    rule = events.Rule(
        scope,
        f"{name}Failed",
        rule_name=rule_name,
        description=description,
        event_pattern=pattern,
        targets=[events_targets.SqsQueue(failures)],
    )
    CfnOutput(
        scope,
        f"{name}FailuresQueue",
        key=f"{name}FailuresQueue",
        value=failures.queue_url,
        description=output_description,
    )
    return rule
