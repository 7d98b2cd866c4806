"""DNS on the synthesized service stacks: the stage's Route 53 zone (created, or imported by
id), an ACM certificate validated through it, an alias record to the load balancer, and the
public URL (links in messages, the inbound SNS subscription, the ApiUrl output) on that name."""

from __future__ import annotations

import json

import pytest

from .conftest import TEST_STAGES, resources


@pytest.mark.parametrize("stage", list(TEST_STAGES))
def test_zone_certificate_alias_and_public_url(templates, stage):
    config = TEST_STAGES[stage]
    raw = templates[f"reminderly-{stage}-service"]
    zones = resources(raw, "AWS::Route53::HostedZone")
    if config.hosted_zone_id:  # an existing zone, imported: nothing created
        assert zones == {}
        zone_ref = config.hosted_zone_id
    else:
        ((zone_id, zone),) = zones.items()
        assert zone["Properties"]["Name"] == f"{config.hosted_zone_name}."
        assert zone["DeletionPolicy"] == ("Retain" if config.retain_data else "Delete")
        zone_ref = {"Ref": zone_id}
        assert "ZoneNameServers" in raw["Outputs"]  # what to delegate from the parent zone
    ((cert_id, cert),) = resources(raw, "AWS::CertificateManager::Certificate").items()
    assert cert["Properties"]["DomainName"] == config.domain_name
    assert cert["Properties"]["ValidationMethod"] == "DNS"
    assert cert["Properties"]["DomainValidationOptions"] == [
        {"DomainName": config.domain_name, "HostedZoneId": zone_ref}
    ]
    (listener,) = resources(raw, "AWS::ElasticLoadBalancingV2::Listener").values()
    assert listener["Properties"]["Certificates"] == [{"CertificateArn": {"Ref": cert_id}}]
    (record,) = resources(raw, "AWS::Route53::RecordSet").values()
    (alb_id,) = resources(raw, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    props = record["Properties"]
    assert (props["Name"], props["Type"], props["HostedZoneId"]) == (
        f"{config.domain_name}.",
        "A",
        zone_ref,
    )
    assert {"Fn::GetAtt": [alb_id, "DNSName"]} in props["AliasTarget"]["DNSName"]["Fn::Join"][1]
    assert (props["Failover"], props["SetIdentifier"]) == ("PRIMARY", "primary")
    url = f"https://{config.domain_name}"
    assert raw["Outputs"]["ApiUrl"]["Value"] == url
    for definition in resources(raw, "AWS::ECS::TaskDefinition").values():
        env = {
            e["Name"]: e["Value"]
            for e in definition["Properties"]["ContainerDefinitions"][0].get("Environment", [])
        }
        if "REMINDERLY_PUBLIC_URL" in env:
            assert env["REMINDERLY_PUBLIC_URL"] == url
    (subscription,) = resources(raw, "AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Endpoint"] == f"{url}/v1/webhooks/sns"
    assert "DNSName" not in json.dumps(subscription)  # never the load balancer's own name


@pytest.mark.parametrize("stage", list(TEST_STAGES))
def test_failover_records_and_the_primary_health_check(templates, stage):
    """PRIMARY (the primary's load balancer) answers while a calculated health check over
    Route 53's HTTPS check of the primary's /v1/ready is healthy; SECONDARY (the standby's,
    in the DR region) otherwise, and only with a ready target behind it."""
    config = TEST_STAGES[stage]
    primary, standby = (
        templates[f"reminderly-{stage}-service"],
        templates[f"reminderly-{stage}-dr-service"],
    )
    (record,) = [r["Properties"] for r in resources(primary, "AWS::Route53::RecordSet").values()]
    (secondary,) = [r["Properties"] for r in resources(standby, "AWS::Route53::RecordSet").values()]
    assert (secondary["Failover"], secondary["SetIdentifier"], secondary["Type"]) == (
        "SECONDARY",
        "secondary",
        "A",
    )
    assert secondary["Name"] == record["Name"] == f"{config.domain_name}."
    assert secondary["HostedZoneName"] == f"{config.hosted_zone_name}."
    assert "HealthCheckId" not in secondary  # its health is its load balancer's targets'
    for props, template in ((record, primary), (secondary, standby)):
        (alb_id,) = resources(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")
        alias = props["AliasTarget"]
        assert alias["EvaluateTargetHealth"] is True
        assert {"Fn::GetAtt": [alb_id, "DNSName"]} in alias["DNSName"]["Fn::Join"][1]
        assert alias["HostedZoneId"] == {"Fn::GetAtt": [alb_id, "CanonicalHostedZoneID"]}
    checks = resources(primary, "AWS::Route53::HealthCheck")
    active = checks[record["HealthCheckId"]["Ref"]]["Properties"]["HealthCheckConfig"]
    assert (active["Type"], active["HealthThreshold"]) == ("CALCULATED", 1)
    (child,) = active["ChildHealthChecks"]
    ready = checks[child["Ref"]]["Properties"]["HealthCheckConfig"]
    (alb_id,) = resources(primary, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert ready == {
        "Type": "HTTPS",
        "FullyQualifiedDomainName": {"Fn::GetAtt": [alb_id, "DNSName"]},
        "Port": 443,
        "ResourcePath": "/v1/ready",
        "EnableSNI": True,
        "RequestInterval": 30,
        "FailureThreshold": 3,
        "Inverted": False,
        "MeasureLatency": False,
    }
    # the standby makes no health check and no zone: the zone is the primary's, by name
    assert not resources(standby, "AWS::Route53::HealthCheck")
    assert not resources(standby, "AWS::Route53::HostedZone")
