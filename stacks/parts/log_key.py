"""A customer-managed key for a stack's CloudWatch log groups (logs can hold request paths,
ids and errors: encrypted under a key the account controls and can revoke)."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk.config import StageConfig
from stacks.parts.retention import kept


def log_key(scope: Construct, config: StageConfig) -> kms.Key:
    """A rotated key that CloudWatch Logs may use for this account's log groups only."""
    stack = Stack.of(scope)
    key = kms.Key(
        scope,
        "LogsKey",
        enable_key_rotation=True,
        description=f"{config.prefix}: encrypts the {stack.stack_name} log groups",
        removal_policy=kept(config),
    )
    key.add_to_resource_policy(
        iam.PolicyStatement(
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            actions=[
                "kms:Encrypt*",
                "kms:Decrypt*",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
            ],
            resources=["*"],
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{stack.region}:{stack.account}:log-group:*"
                }
            },
        )
    )
    return key
