"""The properties that matter, per stack and stage, from the synthesized CloudFormation."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from aws_cdk.assertions import Match, Template

from stacks.database_stack import PARAMETERS

from .conftest import TEST_STAGES as STAGES
from .conftest import resources

STAGE_NAMES = list(STAGES)


def template(templates, stage: str, stack: str) -> Template:
    return Template.from_json(templates[f"reminderly-{stage}-{stack}"])


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_database_is_encrypted_private_and_sized_by_stage(templates, stage):
    config = STAGES[stage]
    t = template(templates, stage, "database")
    t.has_resource_properties(
        "AWS::RDS::DBInstance",
        {
            "Engine": "postgres",
            "EngineVersion": "18.3",
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
            "AutomaticBackupReplicationKmsKeyId": Match.string_like_regexp(
                f"^arn:aws:kms:{config.dr_region}:"
            ),
            "DBInstanceClass": f"db.{config.db_instance_type}",
        },
    )
    expected_policy = "Snapshot" if config.retain_data else "Delete"
    t.has_resource("AWS::RDS::DBInstance", {"DeletionPolicy": expected_policy})


def test_prod_is_multi_az_and_protected(templates):
    t = template(templates, "prod", "database")
    t.has_resource_properties("AWS::RDS::DBInstance", {"MultiAZ": True, "DeletionProtection": True})


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_database_parameters_force_ssl_and_log_slow_statements(templates, stage):
    t = template(templates, stage, "database")
    t.has_resource_properties(
        "AWS::RDS::DBParameterGroup",
        {
            "Parameters": Match.object_like(
                {
                    "rds.force_ssl": "1",
                    "log_min_duration_statement": PARAMETERS["log_min_duration_statement"],
                }
            )
        },
    )


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_credentials_are_generated_encrypted_and_rotated(templates, stage):
    t = template(templates, stage, "database")
    t.has_resource_properties(
        "AWS::SecretsManager::Secret",
        {
            "KmsKeyId": Match.any_value(),
            "GenerateSecretString": Match.object_like({"SecretStringTemplate": Match.any_value()}),
        },
    )
    t.has_resource_properties(
        "AWS::SecretsManager::RotationSchedule",
        {"RotationRules": {"ScheduleExpression": "rate(30 days)"}},
    )


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
    t.has_resource_properties(
        "AWS::Backup::BackupPlan",
        {
            "BackupPlan": {
                "BackupPlanRule": [
                    Match.object_like(
                        {
                            "CopyActions": [
                                Match.object_like(
                                    {
                                        "DestinationBackupVaultArn": Match.string_like_regexp(
                                            f"^arn:aws:backup:{config.dr_region}:{config.account}:backup-vault:reminderly-{stage}-dr-vault$"
                                        )
                                    }
                                )
                            ]
                        }
                    )
                ]
            }
        },
    )
    dr = template(templates, stage, "dr")
    dr.has_resource_properties(
        "AWS::KMS::Alias", {"AliasName": f"alias/reminderly-{stage}-rds-backup-replication"}
    )
    vault = resources(templates[f"reminderly-{stage}-dr"], "AWS::Backup::BackupVault")
    (props,) = (v["Properties"] for v in vault.values())
    assert "EncryptionKeyArn" in props
    assert ("LockConfiguration" in props) == STAGES[stage].backup_vault_lock


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
    ids = {
        a["Properties"]["AlarmName"].removeprefix(f"reminderly-{stage}-") for a in alarms.values()
    }
    assert ids == {
        "rds-cpu-high",
        "rds-free-storage-low",
        "rds-freeable-memory-low",
        "rds-connections-high",
        "rds-transaction-id-wraparound",
        "backup-copy-failed",
        "oldest-ready-message-age",
        "dispatch-failure-rate",
        "dead-messages",
        "packet-load-failures",
        "worker-heartbeat-missing",
        "alb-5xx-rate",
        "api-latency-p99-high",
        "api-unhealthy-hosts",
        "api-tasks-below-desired",
        "worker-tasks-below-desired",
        "database-unavailable",
        "ses-bounce-rate-high",
        "ses-complaint-rate-high",
        "inbound-delivery-failures",
        "migration-failed",
        "secret-rotation-failed",
        "sms-route-switched",
    }
    # the DR drill runs and publishes in the DR region: its alarms are the standby's
    standby = resources(templates[f"reminderly-{stage}-dr-monitoring"], "AWS::CloudWatch::Alarm")
    overdue = next(
        a for a in standby.values() if a["Properties"]["AlarmName"].endswith("dr-drill-overdue")
    )
    assert overdue["Properties"]["TreatMissingData"] == "breaching"  # no drill at all is the alarm
    assert overdue["Properties"]["Period"] * overdue["Properties"]["EvaluationPeriods"] == 7 * 86400
    five_xx = next(
        a for a in alarms.values() if a["Properties"]["AlarmName"].endswith("alb-5xx-rate")
    )
    expression = next(
        m["Expression"] for m in five_xx["Properties"]["Metrics"] if "Expression" in m
    )
    assert "requests" in expression  # a rate over requests, not a raw count
    for alarm in alarms.values():
        p = alarm["Properties"]
        alarm_id = p["AlarmName"].removeprefix(f"reminderly-{stage}-")
        assert re.search(
            rf"Runbook: https://\S+/runbooks/{re.escape(alarm_id)}\.md$", p["AlarmDescription"]
        ), p
        assert any("opsitem" in str(a) for a in p["AlarmActions"]), p  # severity: test_alerting.py
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
    t.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            }
        },
    )


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_front_door_is_https_only_behind_waf(templates, stage):
    config = STAGES[stage]
    assert config.domain_name  # the certificate and alias: test_dns.py
    t = template(templates, stage, "service")
    t.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Port": 443,
            "Protocol": "HTTPS",
            "Certificates": [{"CertificateArn": {"Ref": Match.string_like_regexp("^Certificate")}}],
        },
    )
    # no plain-HTTP listener and nothing open on port 80 (an API key must never travel in clear)
    raw = templates[f"reminderly-{stage}-service"]
    ports = [
        r["Properties"]["Port"]
        for r in resources(raw, "AWS::ElasticLoadBalancingV2::Listener").values()
    ]
    assert ports == [443]
    for group in resources(raw, "AWS::EC2::SecurityGroup").values():
        for rule in group["Properties"].get("SecurityGroupIngress", []):
            assert rule.get("FromPort") != 80, rule
    t.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup", {"HealthCheckPath": "/v1/ready"}
    )
    t.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "Scheme": "internet-facing",
            "LoadBalancerAttributes": Match.array_with(
                [
                    {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
                    {"Key": "access_logs.s3.enabled", "Value": "true"},
                ]
            ),
        },
    )
    acl = next(
        iter(resources(templates[f"reminderly-{stage}-service"], "AWS::WAFv2::WebACL").values())
    )["Properties"]
    names = {r["Name"] for r in acl["Rules"]}
    assert {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "per-ip-rate-limit",
    } <= names
    rate = next(r for r in acl["Rules"] if r["Name"] == "per-ip-rate-limit")
    assert rate["Statement"]["RateBasedStatement"]["Limit"] == config.waf_rate_limit_per_5_min
    t.resource_count_is("AWS::WAFv2::WebACLAssociation", 1)


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_tasks_get_credentials_only_as_secrets(templates, stage):
    raw = templates[f"reminderly-{stage}-service"]
    definitions = resources(raw, "AWS::ECS::TaskDefinition")
    assert len(definitions) == 4  # api, worker, migrate, bootstrap
    for definition in definitions.values():
        (container,) = definition["Properties"]["ContainerDefinitions"]
        env = {e["Name"] for e in container.get("Environment", [])}
        secrets = {s["Name"] for s in container["Secrets"]}
        assert {"PGPASSWORD", "PGUSER", "PGHOST"} <= secrets
        assert not env & {"PGPASSWORD", "DATABASE_URL", "PGUSER"}
        assert container["ReadonlyRootFilesystem"] is True
        assert container["LogConfiguration"]["LogDriver"] == "awslogs"
    commands = sorted(
        tuple(d["Properties"]["ContainerDefinitions"][0]["Command"][:2])
        for d in definitions.values()
    )
    assert commands == [
        ("gunicorn", "-c"),
        ("reminderly", "db"),
        ("reminderly", "db"),
        ("reminderly", "worker"),
    ]
    (api,) = [
        d
        for d in definitions.values()
        if d["Properties"]["ContainerDefinitions"][0]["Command"][0] == "gunicorn"
    ]
    api_env = {
        e["Name"]: e["Value"] for e in api["Properties"]["ContainerDefinitions"][0]["Environment"]
    }
    assert api_env["REMINDERLY_PROXY_HOPS"] == "1"  # clients' addresses, not the ALB's


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_worker_may_send_and_nothing_more(templates, stage):
    config = STAGES[stage]
    raw = templates[f"reminderly-{stage}-service"]
    statements = [
        st
        for p in resources(raw, "AWS::IAM::Policy").values()
        if "WorkerTaskTaskRole" in str(p["Properties"]["Roles"])
        for st in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    actions = sorted(
        a
        for st in statements
        for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])
    )
    assert actions == [
        "cloudwatch:PutMetricData",
        "kms:Decrypt",  # its own login's secret, re-read after a rotation (and nothing else)
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "ses:GetAccount",  # MaxSendRate, read at start
        "ses:SendEmail",
        "ses:SendRawEmail",
        "sms-voice:SendTextMessage",
        "ssm:PutParameter",  # the DR last-write marker, that one parameter only
    ]
    (marker,) = [st for st in statements if st["Action"] == "ssm:PutParameter"]
    assert marker["Resource"] == (
        f"arn:aws:ssm:{config.dr_region}:{config.account}:parameter/reminderly/{stage}/dr/primary-last-write"
    )
    text = json.dumps(statements)
    assert f"identity/{config.ses_identity}" in text and f"pool/{config.sms_pool_id}" in text
    # the pools given to single accounts, and no other
    (sms,) = [st for st in statements if st["Action"] == "sms-voice:SendTextMessage"]
    found = sms["Resource"] if isinstance(sms["Resource"], list) else [sms["Resource"]]
    pools = sorted(json.dumps(r).split("pool/")[1].split('"')[0] for r in found)
    secondary = {config.sms_secondary_origination} if config.sms_secondary_origination else set()
    assert pools == sorted({config.sms_pool_id, *config.account_sms_pool_ids, *secondary})
    (read,) = [st for st in statements if "secretsmanager:GetSecretValue" in st["Action"]]
    assert "WorkerLoginSecret" in json.dumps(read["Resource"])
    metric = next(st for st in statements if st["Action"] == "cloudwatch:PutMetricData")
    assert metric["Condition"] == {"StringEquals": {"cloudwatch:namespace": "Reminderly"}}


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_migrations_run_before_the_services_and_scaling_is_wired(templates, stage):
    raw = templates[f"reminderly-{stage}-service"]
    (migrate_id,) = [
        k
        for k, v in raw["Resources"].items()
        if v["Type"] == "Custom::AWS" and k.startswith("MigrateOnDeploy")
    ]
    assert "runTask" in json.dumps(raw["Resources"][migrate_id]["Properties"]["Create"])
    for service in resources(raw, "AWS::ECS::Service").values():
        assert migrate_id in service.get("DependsOn", [])
        assert service["Properties"]["DeploymentConfiguration"]["DeploymentCircuitBreaker"] == {
            "Enable": True,
            "Rollback": True,
        }
    t = Template.from_json(raw)
    t.resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 2)
    t.has_resource_properties("AWS::CloudWatch::Alarm", {"MetricName": "ExpectedDrainSeconds"})
    t.has_resource_properties(
        "AWS::ECS::Cluster",
        {"ClusterSettings": [{"Name": "containerInsights", "Value": "enabled"}]},
    )
    t.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {"FromPort": 5432, "ToPort": 5432, "SourceSecurityGroupId": Match.any_value()},
    )


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_restores_are_tested_weekly_from_the_newest_snapshot(templates, stage):
    t = template(templates, stage, "database")
    t.has_resource_properties(
        "AWS::Backup::RestoreTestingPlan",
        {
            "RecoveryPointSelection": Match.object_like(
                {"Algorithm": "LATEST_WITHIN_WINDOW", "RecoveryPointTypes": ["SNAPSHOT"]}
            ),
            "ScheduleExpression": Match.string_like_regexp("^cron\\("),
        },
    )
    t.has_resource_properties(
        "AWS::Backup::RestoreTestingSelection",
        {
            "ProtectedResourceType": "RDS",
            "RestoreMetadataOverrides": Match.object_like({"publiclyaccessible": "false"}),
        },
    )


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_inbound_events_reach_the_webhook_encrypted_and_links_are_signed(templates, stage):
    t = template(templates, stage, "service")
    raw = templates[f"reminderly-{stage}-service"]
    t.has_resource_properties(
        "AWS::SNS::Topic",
        {"TopicName": f"reminderly-{stage}-inbound", "KmsMasterKeyId": Match.any_value()},
    )
    (subscription,) = resources(raw, "AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Protocol"] == "https"
    # on the stage's own name, on which the certificate is valid (not the load balancer's)
    assert (
        subscription["Properties"]["Endpoint"]
        == f"https://{STAGES[stage].domain_name}/v1/webhooks/sns"
    )
    policy = next(iter(resources(raw, "AWS::SNS::TopicPolicy").values()))["Properties"][
        "PolicyDocument"
    ]
    publish = next(
        s
        for s in policy["Statement"]
        if s["Effect"] == "Allow" and s.get("Action") == "sns:Publish"
    )
    assert sorted(publish["Principal"]["Service"]) == [
        "ses.amazonaws.com",
        "sms-voice.amazonaws.com",
    ]
    assert "aws:SourceAccount" in publish["Condition"]["StringEquals"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in policy["Statement"]
    )
    for definition in resources(raw, "AWS::ECS::TaskDefinition").values():
        (container,) = definition["Properties"]["ContainerDefinitions"]
        env = {e["Name"] for e in container.get("Environment", [])}
        command = container["Command"][:2]
        if command[0] == "gunicorn":
            assert {"REMINDERLY_SNS_TOPICS", "REMINDERLY_PUBLIC_URL"} <= env
        if command[:2] == ["reminderly", "worker"]:
            assert {"REMINDERLY_PUBLIC_URL", "REMINDERLY_SMS_RATE", "REMINDERLY_EMAIL_RATE"} <= env
        # the services sign links; the migration and bootstrap tasks do not get the secret
        signs = command[0] == "gunicorn" or command == ["reminderly", "worker"]
        assert ("REMINDERLY_LINK_SECRET" in {s["Name"] for s in container["Secrets"]}) is signs
        assert "REMINDERLY_LINK_SECRET" not in env


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_the_worker_scales_on_expected_drain_time_capped_by_the_provider_rate(templates, stage):
    """Step scaling on ExpectedDrainSeconds (not CPU); the maximum is the tasks the provider
    rates can use; the worker knows its window, and may send from the secondary SMS route."""
    config = STAGES[stage]
    raw = templates[f"reminderly-{stage}-service"]
    targets = {
        k: v["Properties"]
        for k, v in resources(raw, "AWS::ApplicationAutoScaling::ScalableTarget").items()
        if "Worker" in k
    }
    (worker_target,) = targets.values()
    assert worker_target["MaxCapacity"] == config.worker_tasks_for_rate
    assert worker_target["MinCapacity"] == config.worker_min_tasks
    policies = [
        p["Properties"]
        for k, p in resources(raw, "AWS::ApplicationAutoScaling::ScalingPolicy").items()
        if "Worker" in k
    ]
    assert all(p["PolicyType"] == "StepScaling" for p in policies)  # no CPU target tracking
    triggers = [
        a["Properties"]
        for a in resources(raw, "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "ExpectedDrainSeconds"
    ]
    assert triggers and all(
        a["Namespace"] == "Reminderly"
        and a["Statistic"] == "Maximum"
        and a["Dimensions"] == [{"Name": "Stage", "Value": config.name}]
        for a in triggers
    )
    assert {a["Threshold"] for a in triggers} == {30, 120}  # scale in under 30 s, out over 2 min
    assert not any(
        a["Properties"].get("MetricName") == "CPUUtilization"
        and "Worker" in json.dumps(a["Properties"].get("Dimensions", []))
        for a in resources(raw, "AWS::CloudWatch::Alarm").values()
    )
    for definition in resources(raw, "AWS::ECS::TaskDefinition").values():
        (container,) = definition["Properties"]["ContainerDefinitions"]
        if container["Command"][:2] != ["reminderly", "worker"]:
            continue
        env = {e["Name"]: e["Value"] for e in container.get("Environment", [])}
        assert env["REMINDERLY_INFLIGHT"] == str(config.worker_inflight)
        assert env.get("REMINDERLY_SMS_SECONDARY_ORIGINATION") == config.sms_secondary_origination
    statements = [
        s
        for p in resources(raw, "AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    sms = [s for s in statements if s["Action"] == "sms-voice:SendTextMessage"]
    assert len(sms) == 1
    granted = json.dumps(sms[0]["Resource"])
    if config.sms_secondary_origination:
        assert f"pool/{config.sms_secondary_origination}" in granted
    assert any(s["Action"] == "ses:GetAccount" for s in statements)


def test_the_provider_rate_caps_the_worker_tasks():
    prod = STAGES["prod"]
    useful = -(-(prod.sms_per_second + prod.email_per_second) // prod.worker_task_send_rate)
    assert prod.worker_tasks_for_rate == max(
        prod.worker_min_tasks, min(prod.worker_max_tasks, useful)
    )
    mid = dataclasses.replace(prod, sms_per_second=1000.0, email_per_second=500.0)
    assert mid.worker_tasks_for_rate == 5  # 1,500/s at 300/s a task
    small = dataclasses.replace(prod, sms_per_second=3.0, email_per_second=14.0)
    assert small.worker_tasks_for_rate == prod.worker_min_tasks  # one task could send it all
    big = dataclasses.replace(prod, sms_per_second=5000.0, email_per_second=5000.0)
    assert big.worker_tasks_for_rate == prod.worker_max_tasks


def test_the_sms_route_alarm_watches_the_secondary_route(templates):
    t = template(templates, "prod", "monitoring")
    t.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": Match.string_like_regexp("sms-route-switched$"),
            "MetricName": "SmsRouteOnSecondary",
            "Namespace": "Reminderly",
            "Threshold": 0,
            "ComparisonOperator": "GreaterThanThreshold",
            "AlarmDescription": Match.string_like_regexp("runbooks/sms-route-switched\\.md$"),
        },
    )
