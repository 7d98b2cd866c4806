"""The properties that matter, per stack and stage, from the synthesized CloudFormation."""

from __future__ import annotations

import re

import pytest
from aws_cdk.assertions import Match, Template

from cdk.config import STAGES
from stacks.database_stack import PARAMETERS

from .conftest import resources

STAGE_NAMES = list(STAGES)


def template(templates, stage: str, stack: str) -> Template:
    return Template.from_json(templates[f"reminderly-{stage}-{stack}"])


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_database_is_encrypted_private_and_sized_by_stage(templates, stage):
    config = STAGES[stage]
    t = template(templates, stage, "database")
    t.has_resource_properties("AWS::RDS::DBInstance", {
        "Engine": "postgres",
        "EngineVersion": "16.13",
        "StorageEncrypted": True,
        "KmsKeyId": Match.any_value(),
        "PubliclyAccessible": False,
        "MultiAZ": config.db_multi_az,
        "DeletionProtection": config.db_deletion_protection,
        "BackupRetentionPeriod": config.db_backup_retention_days,
        "EnablePerformanceInsights": True,
        "PerformanceInsightsKMSKeyId": Match.any_value(),
        "AutoMinorVersionUpgrade": False,
        "EnableIAMDatabaseAuthentication": True,
        "AutomaticBackupReplicationRegion": config.dr_region,
        "AutomaticBackupReplicationKmsKeyId": Match.string_like_regexp(f"^arn:aws:kms:{config.dr_region}:"),
        "DBInstanceClass": f"db.{config.db_instance_type}",
    })  # fmt: skip
    expected_policy = "Delete" if stage == "dev" else "Snapshot"
    t.has_resource("AWS::RDS::DBInstance", {"DeletionPolicy": expected_policy})


def test_prod_is_multi_az_and_protected(templates):
    t = template(templates, "prod", "database")
    t.has_resource_properties("AWS::RDS::DBInstance", {"MultiAZ": True, "DeletionProtection": True})


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_database_parameters_force_ssl_and_log_slow_statements(templates, stage):
    t = template(templates, stage, "database")
    t.has_resource_properties("AWS::RDS::DBParameterGroup", {"Parameters": Match.object_like({
        "rds.force_ssl": "1", "log_min_duration_statement": PARAMETERS["log_min_duration_statement"]})})  # fmt: skip


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_credentials_are_generated_encrypted_and_rotated(templates, stage):
    t = template(templates, stage, "database")
    t.has_resource_properties("AWS::SecretsManager::Secret", {
        "KmsKeyId": Match.any_value(), "GenerateSecretString": Match.object_like({"SecretStringTemplate": Match.any_value()})})  # fmt: skip
    t.has_resource_properties("AWS::SecretsManager::RotationSchedule", {
        "RotationRules": {"ScheduleExpression": "rate(30 days)"}})  # fmt: skip


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_database_security_group_is_closed_to_the_world(templates, stage):
    raw = templates[f"reminderly-{stage}-database"]
    for group in resources(raw, "AWS::EC2::SecurityGroup").values():
        for rule in group["Properties"].get("SecurityGroupIngress", []):
            assert rule.get("CidrIp") not in ("0.0.0.0/0",) and rule.get("CidrIpv6") != "::/0"
    for rule in resources(raw, "AWS::EC2::SecurityGroupIngress").values():
        assert "SourceSecurityGroupId" in rule["Properties"]  # only from other security groups


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_backups_copy_to_the_dr_region_vault(templates, stage):
    config = STAGES[stage]
    t = template(templates, stage, "database")
    t.has_resource_properties("AWS::Backup::BackupPlan", {"BackupPlan": {"BackupPlanRule": [Match.object_like({
        "CopyActions": [Match.object_like({"DestinationBackupVaultArn": Match.string_like_regexp(
            f"^arn:aws:backup:{config.dr_region}:{config.account}:backup-vault:reminderly-{stage}-dr-vault$")})]})]}})  # fmt: skip
    dr = template(templates, stage, "dr")
    dr.has_resource_properties(
        "AWS::KMS::Alias", {"AliasName": f"alias/reminderly-{stage}-rds-backup-replication"}
    )
    vault = resources(templates[f"reminderly-{stage}-dr"], "AWS::Backup::BackupVault")
    (props,) = (v["Properties"] for v in vault.values())
    assert "EncryptionKeyArn" in props
    assert ("LockConfiguration" in props) == (stage == "prod")


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_network_spans_the_stage_azs_with_flow_logs_and_endpoints(templates, stage):
    config = STAGES[stage]
    raw = templates[f"reminderly-{stage}-network"]
    subnets = resources(raw, "AWS::EC2::Subnet").values()
    assert len({s["Properties"]["AvailabilityZone"] for s in subnets}) == config.max_azs
    assert len(subnets) == 3 * config.max_azs  # public, app, data in each AZ
    assert len(resources(raw, "AWS::EC2::NatGateway")) == config.nat_gateways
    t = Template.from_json(raw)
    t.has_resource_properties(
        "AWS::EC2::FlowLog", {"TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"}
    )
    services = [
        e["Properties"]["ServiceName"] for e in resources(raw, "AWS::EC2::VPCEndpoint").values()
    ]
    assert len(services) == 9  # S3 gateway + 8 interface endpoints


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_every_alarm_links_its_runbook_and_opens_an_opsitem(templates, stage):
    raw = templates[f"reminderly-{stage}-monitoring"]
    alarms = resources(raw, "AWS::CloudWatch::Alarm")
    assert len(alarms) >= 11
    for alarm in alarms.values():
        p = alarm["Properties"]
        alarm_id = p["AlarmName"].removeprefix(f"reminderly-{stage}-")
        assert re.search(
            rf"Runbook: https://\S+/runbooks/{re.escape(alarm_id)}\.md$", p["AlarmDescription"]
        ), p
        (action,) = p["AlarmActions"]
        assert "opsitem" in str(action), action
    (composite,) = resources(raw, "AWS::CloudWatch::CompositeAlarm").values()
    assert composite["Properties"]["AlarmDescription"].endswith("/runbooks/service-degraded.md")
    assert "Ref" in composite["Properties"]["AlarmActions"][0]  # the paging SNS topic
    heartbeat = next(
        a
        for a in alarms.values()
        if a["Properties"]["AlarmName"].endswith("worker-heartbeat-missing")
    )
    assert heartbeat["Properties"]["TreatMissingData"] == "breaching"


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_paging_topic_is_encrypted_and_tls_only(templates, stage):
    t = template(templates, stage, "monitoring")
    t.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    t.has_resource_properties("AWS::SNS::TopicPolicy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})])}})  # fmt: skip
