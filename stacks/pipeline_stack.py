"""Pipeline: CDK Pipelines (CodePipeline). Each commit on the watched branch is tested (the
whole suite: cdk-nag, cfn-lint and checkov included) and synthesized, the dashboard's browser
test runs in its own step, then staging is deployed and smoke-tested there, and after a manual
approval prod is deployed. The pipeline updates itself.

The steps run on CodeBuild's Ubuntu standard image as written: the synth step activates the
virtual environment scripts/test.sh installed into before `npx cdk synth` (so cdk.json's
`python3` is the venv's, with aws_cdk), leaves the browser test to its own step (Playwright's
own Chromium with the Ubuntu packages it needs: Debian's `chromium` package does not exist
there), and every generated step uses the CDK CLI and cdk-assets versions package.json pins.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import pipelines
from constructs import Construct

from cdk.config import PipelineConfig, StageConfig

ROOT = Path(__file__).resolve().parent.parent
NPM_PINS = json.loads((ROOT / "package.json").read_text())["devDependencies"]
CDK_CLI_VERSION = NPM_PINS["aws-cdk"]
CDK_ASSETS_VERSION = NPM_PINS["cdk-assets"]
BUILD_IMAGE = codebuild.LinuxBuildImage.STANDARD_7_0  # Ubuntu 22.04, Python 3, Node 20

BROWSER_TEST = "tests/test_dashboard.py::test_in_a_real_browser"
SYNTH_ENV = {"REMINDERLY_BROWSER_TEST": "separate"}  # scripts/test.sh: deselect it, no apt-get
SYNTH_COMMANDS = [
    # ruff, pytest: data flow, API, CDK assertions, cdk-nag, cfn-lint, checkov; into .venv
    "./scripts/test.sh",  # also runs npm ci (the pinned CLI) and installs checkov
    # one command line, so the activation holds whatever the shell semantics of the buildspec
    ". .venv/bin/activate && npx cdk synth -c pipeline=true",
]
BROWSER_COMMANDS = [
    "python3 -m venv .venv",
    ". .venv/bin/activate && pip install --quiet -e '.[test]'"
    " && python -m playwright install --with-deps chromium"
    ' && ln -sf "$(python scripts/playwright_chromium.py)" /usr/local/bin/chromium'
    f" && python -m pytest -q -p no:cacheprovider {BROWSER_TEST}",
]

SMOKE_COMMANDS = [
    # health, readiness, and a small packet through the API (its campaign stays a draft and the
    # packet is cancelled: nothing is sent); tests/test_api_server.py runs the same script
    "bash scripts/smoke.sh",
]
SMOKE_KEY_SECRET = "reminderly/pipeline/smoke-api-key"

StageBuilder = Callable[[Construct, StageConfig], dict[str, cdk.Stack]]
"""Adds one stage's stacks to a scope (cdk.app.add_stage): passed in, so this module does not
import the app that imports it."""


class ReminderlyStage(cdk.Stage):
    """One stage's stacks, deployable as a unit by the pipeline, under the same stack names
    as a direct deploy (`add_stage`, the app's own wiring, sets them)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        add_stage: StageBuilder,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.stacks = add_stage(self, config)
        self.api_url = self.stacks["service"].api_url


class PipelineStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PipelineConfig,
        stages: dict[str, StageConfig],
        add_stage: StageBuilder,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        source = pipelines.CodePipelineSource.connection(
            config.repository, config.branch, connection_arn=config.connection_arn
        )
        synth = pipelines.CodeBuildStep(
            "Synth",
            input=source,
            commands=SYNTH_COMMANDS,
            env=SYNTH_ENV,
            build_environment=codebuild.BuildEnvironment(build_image=BUILD_IMAGE),
        )
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name="reminderly",
            pipeline_type=codepipeline.PipelineType.V2,
            cross_account_keys=True,  # staging and prod live in their own accounts
            enable_key_rotation=True,
            docker_enabled_for_synth=False,
            synth=synth,
            cli_version=CDK_CLI_VERSION,
            cdk_assets_cli_version=CDK_ASSETS_VERSION,
            code_build_defaults=pipelines.CodeBuildOptions(
                build_environment=codebuild.BuildEnvironment(build_image=BUILD_IMAGE)
            ),
        )
        browser = pipelines.CodeBuildStep(
            "BrowserTest",
            input=source,
            commands=BROWSER_COMMANDS,
            build_environment=codebuild.BuildEnvironment(build_image=BUILD_IMAGE),
        )
        staging = ReminderlyStage(
            self,
            "Staging",
            config=stages["staging"],
            add_stage=add_stage,
            env=cdk.Environment(account=stages["staging"].account, region=stages["staging"].region),
        )
        # A write key of a smoke-test account in staging, put here once by an operator
        # (`reminderly account create "pipeline smoke test"`, then `aws secretsmanager
        # put-secret-value`); CodeBuild hands it to the step as a masked variable.
        smoke_kms = kms.Key(
            self,
            "SmokeApiKeyKey",
            enable_key_rotation=True,
            description="Encrypts the pipeline's smoke-test API key",
        )
        smoke_key = secretsmanager.Secret(
            self,
            "SmokeApiKey",
            secret_name=SMOKE_KEY_SECRET,
            encryption_key=smoke_kms,
            description="API key (write scope) of the staging smoke-test account",
        )
        smoke = pipelines.CodeBuildStep(
            "SmokeTest",
            input=source,
            commands=SMOKE_COMMANDS,
            env_from_cfn_outputs={"API_URL": staging.api_url},
            build_environment=codebuild.BuildEnvironment(
                environment_variables={
                    "SMOKE_API_KEY": codebuild.BuildEnvironmentVariable(
                        type=codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER,
                        value=smoke_key.secret_arn,
                    ),
                }
            ),
            role_policy_statements=[
                iam.PolicyStatement(
                    actions=["secretsmanager:GetSecretValue"], resources=[smoke_key.secret_arn]
                ),
                iam.PolicyStatement(
                    actions=["kms:Decrypt"],
                    resources=[smoke_kms.key_arn],
                    conditions={
                        "StringEquals": {
                            "kms:ViaService": f"secretsmanager.{self.region}.amazonaws.com"
                        }
                    },
                ),
            ],
        )
        self.pipeline.add_stage(staging, pre=[browser], post=[smoke])
        prod = ReminderlyStage(
            self,
            "Prod",
            config=stages["prod"],
            add_stage=add_stage,
            env=cdk.Environment(account=stages["prod"].account, region=stages["prod"].region),
        )
        self.pipeline.add_stage(prod, pre=[pipelines.ManualApprovalStep("PromoteToProd")])
        self.pipeline.build_pipeline()  # so the acknowledgments can reach its constructs
        # CDK names the cross-region artifact buckets (for the DR-region stacks) with a hash
        self.replication_bucket_names = [
            self.resolve(support.replication_bucket.bucket_name)  # its physical name, from here
            for support in self.pipeline.pipeline.cross_region_support.values()
        ]
