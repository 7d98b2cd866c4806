"""The one register of checkov checks skipped on purpose, the same discipline as the cdk-nag
register: each names the construct path pattern, the check and the specific reason. They are
written into the template metadata (Metadata.checkov.skip) of the resources they match, where
checkov reads them; tests/infra/test_checkov.py runs checkov on the synthesized templates
(zero failed checks) and checks every entry is specific and used."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

import aws_cdk as cdk
from constructs import IConstruct


@dataclass(frozen=True)
class Skip:
    path: str  # fnmatch pattern over CloudFormation resources' construct paths
    check: str  # e.g. "CKV_AWS_117"
    reason: str


_CDK_HANDLERS = (
    "*reminderly-*-service/AWS679f53fac002430cb0da5b7982bd2287/Resource",
    "*reminderly-*-network/Custom::VpcRestrictDefaultSGCustomResourceProvider/Handler",
)
_PIPELINE_BUCKETS = (
    "reminderly-pipeline/Pipeline/Pipeline/ArtifactsBucket/Resource",
    "cross-region-stack-*/Default/CrossRegionCodePipelineReplicationBucket/Resource",
)

REGISTER: list[Skip] = [
    *(
        Skip(
            path,
            "CKV_AWS_115",
            "A CDK-generated custom-resource handler that only CloudFormation invokes, once per deploy: "
            "reserved concurrency would only add a way for deploys to fail.",
        )
        for path in _CDK_HANDLERS
    ),
    *(
        Skip(
            path,
            "CKV_AWS_116",
            "A CDK-generated custom-resource handler invoked synchronously by CloudFormation, which "
            "reports and retries a failure itself: a dead-letter queue would never receive anything.",
        )
        for path in _CDK_HANDLERS
    ),
    *(
        Skip(
            path,
            "CKV_AWS_117",
            "A CDK-generated custom-resource handler that calls only AWS APIs (ECS RunTask, EC2 security "
            "group rules), never the VPC's resources: it needs no VPC attachment.",
        )
        for path in _CDK_HANDLERS
    ),
    Skip(
        "*reminderly-dev-database/Postgres/Resource",
        "CKV_AWS_157",
        "dev runs single-AZ to save cost; prod is Multi-AZ (stage config, asserted in tests/infra).",
    ),
    Skip(
        "*reminderly-staging-database/Postgres/Resource",
        "CKV_AWS_157",
        "staging runs single-AZ to save cost; prod is Multi-AZ (stage config, asserted in tests/infra).",
    ),
    Skip(
        "*reminderly-prod-dr-database/Postgres/Resource",
        "CKV_AWS_16",
        "A cross-region read replica is encrypted by its KmsKeyId (the DR stack's key, asserted in "
        "tests/infra); CloudFormation rejects StorageEncrypted next to SourceDBInstanceIdentifier.",
    ),
    Skip(
        "*reminderly-*-service/FrontDoor/AccessLogs/Resource",
        "CKV_AWS_18",
        "This bucket receives the load balancer's access logs; logging its own accesses would recurse.",
    ),
    *(
        Skip(
            path,
            "CKV_AWS_18",
            "A CDK Pipelines artifact bucket: short-lived build outputs written and read only by the "
            "pipeline's roles; CloudTrail records the API calls on it.",
        )
        for path in _PIPELINE_BUCKETS
    ),
    *(
        Skip(
            path,
            "CKV_AWS_21",
            "A CDK Pipelines artifact bucket: every execution writes new keys and nothing is overwritten, "
            "so versioning would keep nothing of value.",
        )
        for path in _PIPELINE_BUCKETS
    ),
    Skip(
        "*reminderly-*-service/Migrations/MigrationFailures/Resource",
        "CKV_AWS_27",
        "Encrypted at rest with SQS-managed keys (SSE-SQS), which this check does not recognise; it holds "
        "ECS task-state events (ids, exit codes), no customer data.",
    ),
    Skip(
        "*reminderly-*-service/Runtime/RotationFailures/Resource",
        "CKV_AWS_27",
        "Encrypted at rest with SQS-managed keys (SSE-SQS), which this check does not recognise; it holds "
        "Secrets Manager rotation events (secret ARNs, the failed step), never a secret value.",
    ),
    Skip(
        "reminderly-pipeline/Pipeline/Pipeline/Role/DefaultPolicy/Resource",
        "CKV_AWS_111",
        "CDK Pipelines' pipeline role: writes only to the pipeline's artifact buckets and assumes its own "
        "action roles (the cdk-nag register lists each wildcard).",
    ),
    Skip(
        "reminderly-pipeline/Pipeline/Assets/FileRole/DefaultPolicy/Resource",
        "CKV_AWS_111",
        "CDK Pipelines' file-asset role: its write actions are CodeBuild report and log calls without "
        "resource-level scoping, and assuming the bootstrap publishing roles.",
    ),
    Skip(
        "reminderly-pipeline/Pipeline/Assets/DockerRole/DefaultPolicy/Resource",
        "CKV_AWS_111",
        "CDK Pipelines' image-asset role: ecr:GetAuthorizationToken and CodeBuild report and log calls "
        "have no resource-level scoping; it pushes only through the bootstrap publishing roles.",
    ),
]


def apply_skips(app: IConstruct, skips: list[Skip] = REGISTER) -> dict[Skip, int]:
    """Write the skips into the metadata of the resources they match; returns matches per entry."""
    used = dict.fromkeys(skips, 0)
    for construct in app.node.find_all():
        if not isinstance(construct, cdk.CfnResource):
            continue
        matched = [s for s in skips if fnmatch.fnmatchcase(construct.node.path, s.path)]
        for skip in matched:
            used[skip] += 1
        if matched:
            construct.add_metadata(
                "checkov", {"skip": [{"id": s.check, "comment": s.reason} for s in matched]}
            )
    return used
