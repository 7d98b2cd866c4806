"""Staging, prod and the pipeline refuse to synthesize with placeholder settings, with ONE
error listing everything still to set; dev synthesizes with warnings; filled-in settings pass."""

from __future__ import annotations

import dataclasses

import pytest

from cdk.config import PIPELINE, STAGES, IncompleteConfig, require_settings

from .conftest import AZ_CONTEXT, TEST_PIPELINE, TEST_STAGES

EVERY_SETTING = (
    "account",
    "hosted_zone_name",
    "domain_name",
    "ses_identity",
    "sms_pool_id",
    "dr_ses_identity",
    "dr_sms_pool_id",
    "paging_subscription",
)


def refusal(stages, pipeline=None) -> str:
    with pytest.raises(IncompleteConfig) as refused:
        require_settings(stages, pipeline)
    return str(refused.value)


def test_the_committed_placeholders_are_refused_in_one_error_naming_everything():
    message = refusal([STAGES["staging"], STAGES["prod"]], PIPELINE)
    assert message.startswith("error: ") and "cdk/config.py" in message
    for stage in ("staging", "prod"):
        for setting in EVERY_SETTING:
            assert f"  - {stage}.{setting}: " in message, (stage, setting)
    assert "  - pipeline.account: " in message and "  - pipeline.connection_arn: " in message
    assert message.count("\n  - ") == 2 * len(EVERY_SETTING) + 2  # each once, nothing else


def test_dev_only_warns():
    warnings = require_settings([STAGES["dev"]])
    assert {w.split(":")[0] for w in warnings} == {f"dev.{s}" for s in EVERY_SETTING}


def test_filled_in_settings_pass_and_a_partial_fill_names_only_what_is_left():
    assert require_settings(TEST_STAGES.values(), TEST_PIPELINE) == []
    partial = dataclasses.replace(
        TEST_STAGES["prod"], sms_pool_id=STAGES["prod"].sms_pool_id, paging_subscription=None
    )
    message = refusal([partial])
    assert message.count("\n  - ") == 2
    assert "prod.sms_pool_id" in message and "prod.paging_subscription" in message


@pytest.mark.parametrize(
    "change, named",
    [
        ({"domain_name": "api.elsewhere.net"}, "prod.domain_name: api.elsewhere.net is not inside"),
        ({"hosted_zone_id": "not-a-zone"}, "prod.hosted_zone_id"),
        ({"account": "33333333333"}, "prod.account"),
        ({"account": "123456789012"}, "prod.account"),  # AWS's documentation account
        ({"paging_subscription": "http://pager.example.net/hook"}, "prod.paging_subscription"),
        ({"paging_subscription": "oncall@example.com"}, "prod.paging_subscription"),
        ({"ses_identity": "mail.example.org"}, "prod.ses_identity"),
        (
            {"dr_ses_identity": "mail.example.org"},
            "prod.dr_ses_identity: the verified SES domain in us-west-2",
        ),
        ({"dr_sms_pool_id": "pool-000000"}, "prod.dr_sms_pool_id"),
    ],
)
def test_each_kind_of_bad_value_is_named(change, named):
    assert named in refusal([dataclasses.replace(TEST_STAGES["prod"], **change)])


def test_an_email_paging_target_is_accepted():
    config = dataclasses.replace(
        TEST_STAGES["prod"], paging_subscription="oncall@brightsmile.dental"
    )
    assert require_settings([config]) == []


def test_the_app_refuses_a_stage_or_the_pipeline_with_placeholders():
    from cdk.app import build

    placeholders = {**TEST_STAGES, "staging": STAGES["staging"]}
    with pytest.raises(IncompleteConfig, match=r"staging\.account"):
        build(["staging"], pipeline=False, stages=placeholders, context=AZ_CONTEXT, nag=False)
    with pytest.raises(IncompleteConfig, match=r"staging\.account"):  # the pipeline deploys staging
        build(
            pipeline=True,
            stages=placeholders,
            pipeline_config=TEST_PIPELINE,
            context=AZ_CONTEXT,
            nag=False,
        )
    with pytest.raises(IncompleteConfig, match=r"pipeline\.connection_arn"):
        build(
            pipeline=True,
            stages=TEST_STAGES,
            pipeline_config=PIPELINE,
            context=AZ_CONTEXT,
            nag=False,
        )
    # dev with its placeholders builds (warnings on stderr)
    assert build(["dev"], pipeline=False, context=AZ_CONTEXT, nag=False).node.find_child(
        "reminderly-dev-service"
    )
