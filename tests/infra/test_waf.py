"""WAF on the synthesized template: the core rule set's body-size rule only counts, and a
rule that blocks on its label spares exactly three routes: the API's packet upload, the
dashboard's CSV upload and the SNS webhook (SES events over 8 KB). The rules are
evaluated here as WAF evaluates them (in priority order; a label exists only for rules after
the group that adds it) against requests with an oversized body."""

from __future__ import annotations

import re

import pytest

from app_service.config import Settings

from .conftest import TEST_STAGES, resources

SIZE_LABEL = "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"


def web_acl(templates, stage: str) -> dict:
    (acl,) = resources(templates[f"reminderly-{stage}-service"], "AWS::WAFv2::WebACL").values()
    return acl["Properties"]


def matches(statement: dict, request: dict) -> bool:
    """The statement kinds the label rule uses, as WAF defines them."""
    ((kind, body),) = statement.items()
    if kind == "AndStatement":
        return all(matches(s, request) for s in body["Statements"])
    if kind == "NotStatement":
        return not matches(body["Statement"], request)
    if kind == "LabelMatchStatement":
        assert body["Scope"] == "LABEL"
        return body["Key"] in request["labels"]
    (field,) = body["FieldToMatch"]
    value = {"Method": request["method"], "UriPath": request["path"]}[field]
    assert [t["Type"] for t in body["TextTransformations"]] == ["NONE"]
    if kind == "ByteMatchStatement":
        assert body["PositionalConstraint"] == "EXACTLY"
        return value == body["SearchString"]
    if kind == "RegexMatchStatement":
        return re.search(body["RegexString"], value) is not None
    raise AssertionError(f"unexpected statement {kind}")


def verdict(acl: dict, method: str, path: str) -> str:
    """What happens to a request whose body is over 8 KB (the size rule matches it)."""
    request = {"method": method, "path": path, "labels": set()}
    for rule in sorted(acl["Rules"], key=lambda r: r["Priority"]):
        group = rule["Statement"].get("ManagedRuleGroupStatement")
        if group and group["Name"] == "AWSManagedRulesCommonRuleSet":
            overrides = {o["Name"]: o["ActionToUse"] for o in group.get("RuleActionOverrides", [])}
            request["labels"].add(SIZE_LABEL)  # the size rule matches and labels the request
            if "Count" not in overrides.get("SizeRestrictions_BODY", {}):
                return "blocked by the core rule set"
        elif (
            "Action" in rule
            and "RateBasedStatement" not in rule["Statement"]
            and matches(rule["Statement"], request)
            and "Block" in rule["Action"]
        ):
            return f"blocked by {rule['Name']}"
    return "allowed"


@pytest.mark.parametrize("stage", list(TEST_STAGES))
def test_only_the_upload_routes_may_carry_a_large_body(templates, stage):
    acl = web_acl(templates, stage)
    for path in (
        "/v1/campaigns/12/packets",  # the API's packet upload (64 MiB)
        "/v1/campaigns/987654/packets",
        "/campaigns/12/packets",  # the dashboard's CSV upload form (16 MiB)
        "/v1/webhooks/sns",  # SES event notifications with the mail's headers (SNS: 256 KB)
    ):
        assert verdict(acl, "POST", path) == "allowed", path
    blocked = "blocked by body-size-except-upload-routes"
    for method, path in [
        ("POST", "/v1/campaigns"),  # JSON bodies: 1 MiB in the app, 8 KB at the edge
        ("PUT", "/v1/campaigns/12/packets"),
        ("PATCH", "/v1/campaigns/12"),
        ("POST", "/v1/campaigns/12/packets/extra"),
        ("POST", "/v1/campaigns/x/packets"),
        ("POST", "/prefix/v1/campaigns/12/packets"),
        ("POST", "/v1/packets/12/cancel"),
        ("PUT", "/v1/webhooks/sns"),
        ("POST", "/v1/webhooks/sns/extra"),
        ("POST", "/v1/webhooks/snsx"),
        ("POST", "/v1/webhook-endpoints"),
        ("GET", "/campaigns/12/packets"),
        ("POST", "/campaigns/12/packets/x"),
        ("POST", "/campaigns/12/drafts/3"),  # the dashboard's other forms: 64 KiB in the app
        ("POST", "/login"),
        ("POST", "/locations"),
        ("POST", "/x/campaigns/12/packets"),
    ]:
        assert verdict(acl, method, path) == blocked, (method, path)


def test_the_exempt_routes_are_the_apps_large_body_routes():
    """Each exempt path is a route the app serves with a large body limit (the API's packet
    upload and SNS webhook in the definition, the dashboard's upload form), so a renamed route
    cannot leave the exemption pointing at nothing."""
    from app_service.api import create_app
    from stacks.service_stack import UPLOAD_PATH

    app = create_app(
        Settings.from_env().with_(database_url="postgresql://unused.invalid/none", link_secret="x")
    )
    rules = {
        (rule.rule, method) for rule in app.url_map.iter_rules() for method in rule.methods or ()
    }
    for route in (
        "/v1/campaigns/<id:campaign_id>/packets",
        "/campaigns/<id:campaign_id>/packets",
        "/v1/webhooks/sns",
    ):
        assert (route, "POST") in rules, route
        example = re.sub(r"<id:\w+>", "4503599627370497", route)  # a public id (2**52 + 1)
        assert re.search(UPLOAD_PATH, example), example


@pytest.mark.parametrize("stage", list(TEST_STAGES))
def test_size_rule_counts_and_nothing_else_of_the_core_set_is_overridden(templates, stage):
    acl = web_acl(templates, stage)
    rules = sorted(acl["Rules"], key=lambda r: r["Priority"])
    names = [r["Name"] for r in rules]
    core = rules[names.index("AWSManagedRulesCommonRuleSet")]
    label_rule = rules[names.index("body-size-except-upload-routes")]
    group = core["Statement"]["ManagedRuleGroupStatement"]
    assert group["RuleActionOverrides"] == [
        {"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}
    ]
    assert core["OverrideAction"] == {"None": {}}  # every other core rule still blocks
    assert label_rule["Priority"] > core["Priority"]  # labels exist only after the group
    assert label_rule["Action"] == {"Block": {}}
    assert {"AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet"} <= set(names)
    assert len({r["Priority"] for r in rules}) == len(rules)


def test_without_the_exemption_rule_every_large_body_would_be_blocked(templates):
    """The evaluator is not vacuous: the committed rules without the override block uploads."""
    acl = web_acl(templates, "prod")
    stripped = {
        **acl,
        "Rules": [
            {
                **r,
                "Statement": {
                    "ManagedRuleGroupStatement": {
                        k: v
                        for k, v in r["Statement"]["ManagedRuleGroupStatement"].items()
                        if k != "RuleActionOverrides"
                    }
                },
            }
            if r["Name"] == "AWSManagedRulesCommonRuleSet"
            else r
            for r in acl["Rules"]
        ],
    }
    assert verdict(stripped, "POST", "/v1/campaigns/12/packets") == "blocked by the core rule set"
