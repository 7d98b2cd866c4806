"""What comes back (SES and SMS events, inbound SMS) arrives through one encrypted SNS topic per
stage, which SES (configuration set event destination) and End User Messaging SMS (event
destination, two-way SMS) publish to, delivered to the API's signature-checking webhook over
HTTPS. Encrypted with a key those two services may use, TLS-only, publishable only by them for
this account; what SNS could not deliver waits in a dead-letter queue."""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cdk.config import StageConfig
from stacks.parts.unit import Unit


class InboundTopic(Unit):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, public_url: str
    ) -> None:
        super().__init__(scope, construct_id)
        account = Stack.of(self).account
        key = kms.Key(
            self,
            "InboundKey",
            enable_key_rotation=True,
            description="Encrypts the inbound events topic (SES and SMS events, replies)",
        )
        publishers = [
            iam.ServicePrincipal("ses.amazonaws.com"),
            iam.ServicePrincipal("sms-voice.amazonaws.com"),
        ]
        key.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                principals=publishers,
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": account}},
            )
        )
        # SNS itself writes what it could not deliver into the dead-letter queue (same key)
        key.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                principals=[iam.ServicePrincipal("sns.amazonaws.com")],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": account}},
            )
        )
        # Deliveries SNS gave up on (the API down past the retries): kept 14 days, alarmed on
        # (inbound-delivery-failures); a lost STOP reply is a compliance problem.
        self.dead_letters = sqs.Queue(
            self,
            "InboundDeadLetters",
            queue_name=f"{config.prefix}-inbound-dlq",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        self.topic = sns.Topic(
            self, "Inbound", topic_name=f"{config.prefix}-inbound", master_key=key, enforce_ssl=True
        )
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["sns:Publish"],
                principals=publishers,
                resources=[self.topic.topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": account}},
            )
        )
        self.topic.add_subscription(
            subscriptions.UrlSubscription(
                f"{public_url}/v1/webhooks/sns",
                protocol=sns.SubscriptionProtocol.HTTPS,
                dead_letter_queue=self.dead_letters,
            )
        )
        CfnOutput(
            self,
            "InboundTopicArn",
            value=self.topic.topic_arn,
            description="Point the SES configuration set's and the SMS configuration set's event "
            "destinations, and two-way SMS of the phone pool, at this topic",
        )
