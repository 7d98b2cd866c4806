"""AWS WAF in front of the load balancer: managed rule groups and a per-IP rate rule, with the
core rule set's body-size rule relaxed for exactly the three routes whose bodies are large."""

from __future__ import annotations

from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from cdk.config import StageConfig

SIZE_RULE = "SizeRestrictions_BODY"
SIZE_LABEL = "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"
# POST /v1/campaigns/{campaign_id}/packets (createPacket): the only route exempt from the size rule
UPLOAD_METHOD = "POST"
# createPacket (the API), the dashboard's upload form, receiveSnsMessage: the routes exempt from
# the size rule, each POST only, each path whole (anchored)
UPLOAD_ROUTES = (r"/v1/campaigns/[0-9]+/packets", r"/campaigns/[0-9]+/packets", r"/v1/webhooks/sns")
UPLOAD_PATH = "^(" + "|".join(UPLOAD_ROUTES) + ")$"


def _body_size_except_upload_routes(priority: int) -> wafv2.CfnWebACL.RuleProperty:
    """Block what the core rule set's size rule labelled, unless it is a POST to one of the
    upload routes."""
    s = wafv2.CfnWebACL.StatementProperty
    none = [wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")]
    upload = s(
        and_statement=wafv2.CfnWebACL.AndStatementProperty(
            statements=[
                s(
                    byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
                        field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(method={}),
                        positional_constraint="EXACTLY",
                        search_string=UPLOAD_METHOD,
                        text_transformations=none,
                    )
                ),
                s(
                    regex_match_statement=wafv2.CfnWebACL.RegexMatchStatementProperty(
                        field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
                        regex_string=UPLOAD_PATH,
                        text_transformations=none,
                    )
                ),
            ]
        )
    )
    return wafv2.CfnWebACL.RuleProperty(
        name="body-size-except-upload-routes",
        priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=s(
            and_statement=wafv2.CfnWebACL.AndStatementProperty(
                statements=[
                    s(
                        label_match_statement=wafv2.CfnWebACL.LabelMatchStatementProperty(
                            scope="LABEL", key=SIZE_LABEL
                        )
                    ),
                    s(not_statement=wafv2.CfnWebACL.NotStatementProperty(statement=upload)),
                ]
            )
        ),
        visibility_config=_visibility("body-size-except-upload-routes"),
    )


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


def web_acl(
    owner: Construct, config: StageConfig, alb: elbv2.ApplicationLoadBalancer
) -> wafv2.CfnWebACL:
    """Managed rule groups and a per-IP rate rule. The core rule set's SizeRestrictions_BODY
    (bodies over 8 KB) only counts, and `body-size-except-upload-routes` blocks on its label
    for every request but the three whose bodies are legitimately large: the API's packet
    upload (up to 64 MiB of CSV or JSON), the dashboard's CSV upload (16 MiB) and the SNS
    webhook (SES event notifications carry the mail's headers, up to SNS's 256 KB). Those
    three are exempt from the size rule; everything else stays protected by it, and the
    app bounds each route's body itself (api/hooks.py)."""

    def managed(name: str, priority: int, **group) -> wafv2.CfnWebACL.RuleProperty:
        return wafv2.CfnWebACL.RuleProperty(
            name=name,
            priority=priority,
            override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
            statement=wafv2.CfnWebACL.StatementProperty(
                managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                    vendor_name="AWS", name=name, **group
                )
            ),
            visibility_config=_visibility(name),
        )

    rate = wafv2.CfnWebACL.RuleProperty(
        name="per-ip-rate-limit",
        priority=0,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=config.waf_rate_limit_per_5_min, aggregate_key_type="IP"
            )
        ),
        visibility_config=_visibility("per-ip-rate-limit"),
    )
    core = managed(
        "AWSManagedRulesCommonRuleSet",
        1,
        rule_action_overrides=[
            wafv2.CfnWebACL.RuleActionOverrideProperty(
                name=SIZE_RULE, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
            )
        ],
    )
    acl = wafv2.CfnWebACL(
        owner,
        "WebAcl",
        scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        visibility_config=_visibility(f"{config.prefix}-web-acl"),
        rules=[
            rate,
            core,
            _body_size_except_upload_routes(2),
            managed("AWSManagedRulesKnownBadInputsRuleSet", 3),
            managed("AWSManagedRulesAmazonIpReputationList", 4),
            managed("AWSManagedRulesSQLiRuleSet", 5),
        ],
    )
    wafv2.CfnWebACLAssociation(
        owner, "WebAclAssociation", resource_arn=alb.load_balancer_arn, web_acl_arn=acl.attr_arn
    )
    return acl
