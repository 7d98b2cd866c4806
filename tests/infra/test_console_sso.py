"""The console's optional SSO, read from the synthesized templates as AWS will: only where a
stage configures it, an authenticate-oidc rule guards /login/sso (and nothing else) before
forwarding to the API, its client secret comes from Secrets Manager (never in the template),
and the API task knows the issuer and this load balancer's ARN to verify the token."""

from __future__ import annotations

import json

from tests.infra.conftest import SSO, TEST_STAGES


def _rules(template: dict) -> list[dict]:
    return [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::ElasticLoadBalancingV2::ListenerRule"
    ]


def _api_env(template: dict) -> dict:
    for r in template["Resources"].values():
        if r["Type"] != "AWS::ECS::TaskDefinition":
            continue
        (container,) = r["Properties"]["ContainerDefinitions"]
        if container["Command"][0] == "gunicorn":
            return {e["Name"]: e["Value"] for e in container.get("Environment", [])}
    raise AssertionError("no API task definition")


def test_sso_guards_only_the_sso_path_where_a_stage_configures_it(templates):
    prod = templates["reminderly-prod-service"]
    (rule,) = [
        r for r in _rules(prod) if any(a["Type"] == "authenticate-oidc" for a in r["Actions"])
    ]
    assert rule["Conditions"] == [
        {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/login/sso"]}}
    ]
    oidc, forward = sorted(rule["Actions"], key=lambda a: a["Order"])
    config = oidc["AuthenticateOidcConfig"]
    assert config["Issuer"] == SSO.issuer and config["ClientId"] == SSO.client_id
    assert (
        config["OnUnauthenticatedRequest"] == "authenticate" and config["Scope"] == "openid email"
    )
    secret = json.dumps(config["ClientSecret"])
    assert "resolve:secretsmanager" in secret and SSO.client_secret_name in secret
    assert forward["Type"] == "forward"
    env = _api_env(prod)
    assert env["REMINDERLY_SSO_ISSUER"] == SSO.issuer
    assert "LoadBalancer" in json.dumps(_raw_env(prod, "REMINDERLY_SSO_ALB_ARN"))
    for stage in [s for s, c in TEST_STAGES.items() if c.sso is None]:
        other = templates[f"reminderly-{stage}-service"]
        assert not any(
            a["Type"] == "authenticate-oidc" for r in _rules(other) for a in r["Actions"]
        )
        assert "REMINDERLY_SSO_ISSUER" not in _api_env(other)


def _raw_env(template: dict, name: str):
    for r in template["Resources"].values():
        if r["Type"] == "AWS::ECS::TaskDefinition":
            for e in r["Properties"]["ContainerDefinitions"][0].get("Environment", []):
                if e["Name"] == name:
                    return e["Value"]
    raise AssertionError(name)
