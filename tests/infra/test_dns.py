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
        assert zone["DeletionPolicy"] == ("Delete" if stage == "dev" else "Retain")
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
