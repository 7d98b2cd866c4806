"""Pipeline: CDK Pipelines (CodePipeline). Each commit on the watched branch is synthesized
with the whole test suite (cdk-nag and cfn-lint included), deployed to staging, smoke-tested
there, and after a manual approval deployed to prod. The pipeline updates itself."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import pipelines
from constructs import Construct

from cdk.config import STAGES, PipelineConfig, StageConfig

SYNTH_COMMANDS = [
    "./scripts/test.sh",  # ruff, pytest: data flow, API, CDK assertions, cdk-nag, cfn-lint
    "npm ci",
    "npx cdk synth",
]

SMOKE_COMMANDS = [
    # health, readiness, and a small packet through the API (its campaign stays a draft and the
    # packet is cancelled: nothing is sent); tests/test_api_server.py runs the same script
    "bash scripts/smoke.sh",
]
SMOKE_KEY_SECRET = "reminderly/pipeline/smoke-api-key"


class ReminderlyStage(cdk.Stage):
    """One stage's stacks, deployable as a unit by the pipeline."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, **kwargs
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        from cdk.app import add_stage  # the same wiring as a direct `cdk deploy`

        self.stacks = add_stage(self, config)
        self.api_url = self.stacks["service"].api_url


class PipelineStack(cdk.Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: PipelineConfig, **kwargs
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        source = pipelines.CodePipelineSource.connection(
            config.repository, config.branch, connection_arn=config.connection_arn
        )
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name="reminderly",
            pipeline_type=codepipeline.PipelineType.V2,
            cross_account_keys=True,  # staging and prod live in their own accounts
            enable_key_rotation=True,
            docker_enabled_for_synth=False,
            synth=pipelines.ShellStep("Synth", input=source, commands=SYNTH_COMMANDS),
        )
        staging = ReminderlyStage(self, "Staging", config=STAGES["staging"],
                                  env=cdk.Environment(account=STAGES["staging"].account, region=STAGES["staging"].region))  # fmt: skip
        # A write key of a smoke-test account in staging, put here once by an operator
        # (`reminderly account create "pipeline smoke test"`, then `aws secretsmanager
        # put-secret-value`); CodeBuild hands it to the step as a masked variable.
        smoke_key = secretsmanager.Secret(
            self, "SmokeApiKey", secret_name=SMOKE_KEY_SECRET,
            description="API key (write scope) of the staging smoke-test account",
        )  # fmt: skip
        smoke = pipelines.CodeBuildStep(
            "SmokeTest", input=source, commands=SMOKE_COMMANDS,
            env_from_cfn_outputs={"API_URL": staging.api_url},
            build_environment=codebuild.BuildEnvironment(environment_variables={
                "SMOKE_API_KEY": codebuild.BuildEnvironmentVariable(
                    type=codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER,
                    value=smoke_key.secret_arn),
            }),
            role_policy_statements=[iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"], resources=[smoke_key.secret_arn])],
        )  # fmt: skip
        self.pipeline.add_stage(staging, post=[smoke])
        prod = ReminderlyStage(self, "Prod", config=STAGES["prod"],
                               env=cdk.Environment(account=STAGES["prod"].account, region=STAGES["prod"].region))  # fmt: skip
        self.pipeline.add_stage(prod, pre=[pipelines.ManualApprovalStep("PromoteToProd")])
        self.pipeline.build_pipeline()  # so the acknowledgments can reach its constructs
