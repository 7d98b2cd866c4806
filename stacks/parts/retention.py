"""What a stage keeps: log retention from a number of days (CloudWatch takes only certain
periods), and whether stateful resources outlive their stack (StageConfig.retain_data)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs

from cdk.config import StageConfig

_PERIODS = [
    (1, logs.RetentionDays.ONE_DAY),
    (3, logs.RetentionDays.THREE_DAYS),
    (5, logs.RetentionDays.FIVE_DAYS),
    (7, logs.RetentionDays.ONE_WEEK),
    (14, logs.RetentionDays.TWO_WEEKS),
    (30, logs.RetentionDays.ONE_MONTH),
    (60, logs.RetentionDays.TWO_MONTHS),
    (90, logs.RetentionDays.THREE_MONTHS),
    (180, logs.RetentionDays.SIX_MONTHS),
    (365, logs.RetentionDays.ONE_YEAR),
    (731, logs.RetentionDays.TWO_YEARS),
    (1827, logs.RetentionDays.FIVE_YEARS),
]


def retention(days: int) -> logs.RetentionDays:
    """The shortest CloudWatch retention period that keeps logs at least `days` days."""
    for period, value in _PERIODS:
        if period >= days:
            return value
    return logs.RetentionDays.TEN_YEARS


def kept(config: StageConfig, retained: RemovalPolicy = RemovalPolicy.RETAIN) -> RemovalPolicy:
    """`retained` (RETAIN, or SNAPSHOT for a database) where the stage keeps its data, else
    DESTROY (dev: deleted with the stack)."""
    return retained if config.retain_data else RemovalPolicy.DESTROY
