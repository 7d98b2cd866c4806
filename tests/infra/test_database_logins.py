"""Database credentials on the synthesized templates: a secret per PostgreSQL login (the roles
migration 0017 creates), each rotated every 30 days by the single-user function; every task
logs in as its own login, re-reads that secret and verifies the server's certificate and name;
the master user's secret reaches only the bootstrap task; a failed rotation alarms."""

from __future__ import annotations

import json
import re

import pytest

from app_service import PROJECT_ROOT
from deploy_contract import naming
from stacks.service_stack import RDS_CA_BUNDLE

from .conftest import TEST_STAGES, resources

STAGES = list(TEST_STAGES)
TASK_LOGIN = {"Api": "Api", "Worker": "Worker", "Migrate": "Owner", "Bootstrap": "Postgres"}
"""Which secret each task definition's PG* come from (Postgres: the master user's)."""


def _secret_logical_id(value_from: dict) -> str:
    """The database stack's secret construct an ECS secret's ValueFrom refers to."""
    (ref,) = re.findall(r"ExportsOutputRef(\w+?)SecretAttachment", json.dumps(value_from))
    return ref.removesuffix("Login")


def _tasks(templates, name: str) -> dict[str, dict]:
    raw = templates[name]
    return {
        k.split("Task")[0]: v["Properties"]["ContainerDefinitions"][0]
        for k, v in resources(raw, "AWS::ECS::TaskDefinition").items()
    }


def test_the_logins_are_the_roles_the_migration_creates():
    sql = (PROJECT_ROOT / "db" / "migrations" / "0017_service_logins.sql").read_text()
    assert set(re.findall(r"CREATE ROLE (\w+) LOGIN", sql)) == set(naming.DATABASE_LOGINS.values())


@pytest.mark.parametrize("stage", STAGES)
def test_each_login_has_its_own_encrypted_replicated_rotated_secret(templates, stage):
    raw = templates[f"reminderly-{stage}-database"]
    secrets = {
        v["Properties"]["Name"]: (k, v["Properties"])
        for k, v in resources(raw, "AWS::SecretsManager::Secret").items()
    }
    assert set(secrets) == set(naming.database_secrets(stage))
    (key_id,) = [
        k
        for k, v in resources(raw, "AWS::KMS::Key").items()
        if "database storage" in v["Properties"]["Description"]
    ]
    attachments = {
        v["Properties"]["SecretId"]["Ref"]: k
        for k, v in resources(raw, "AWS::SecretsManager::SecretTargetAttachment").items()
    }
    schedules = {
        v["Properties"]["SecretId"]["Ref"]: v["Properties"]
        for v in resources(raw, "AWS::SecretsManager::RotationSchedule").values()
    }
    apps = resources(raw, "AWS::Serverless::Application")
    for login, role in naming.DATABASE_LOGINS.items():
        logical, props = secrets[naming.database_login_secret(stage, login)]
        assert json.loads(props["GenerateSecretString"]["SecretStringTemplate"])["username"] == role
        assert props["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
        (replica,) = props["ReplicaRegions"]
        assert replica["Region"] == TEST_STAGES[stage].dr_region and "alias/" in replica["KmsKeyId"]
        # host, port and database filled in from the instance (what the tasks read as PG*)
        schedule = schedules[attachments[logical]]
        assert schedule["RotationRules"] == {"ScheduleExpression": "rate(30 days)"}
        # not at creation: the logins get their first password from the bootstrap
        assert schedule["RotateImmediatelyOnUpdate"] is False
        (app,) = [a for k, a in apps.items() if k in json.dumps(schedule["RotationLambdaARN"])]
        mapping = app["Properties"]["Location"]["ApplicationId"]["Fn::FindInMap"][0]
        assert "SingleUser" in json.dumps(
            raw["Mappings"][mapping]
        )  # the login changes its own password
    assert len(schedules) == 4  # the master's too


@pytest.mark.parametrize("stage", STAGES)
def test_every_task_logs_in_as_its_own_login_and_verifies_the_server(templates, stage):
    tasks = _tasks(templates, f"reminderly-{stage}-service")
    assert set(tasks) == set(TASK_LOGIN)
    for task, container in tasks.items():
        secrets = {s["Name"]: s["ValueFrom"] for s in container["Secrets"]}
        env = {e["Name"]: e["Value"] for e in container["Environment"]}
        for variable in ("PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD"):
            assert _secret_logical_id(secrets[variable]) == TASK_LOGIN[task], (task, variable)
        assert env["PGSSLMODE"] == "verify-full" and env["PGSSLROOTCERT"] == RDS_CA_BUNDLE
        if task != "Bootstrap":  # the secret it re-reads after a rotation is its own
            assert _secret_logical_id(env["REMINDERLY_DB_SECRET_ID"]) == TASK_LOGIN[task]
    # the bundle the tasks point at is in the image
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert re.search(
        rf"^ADD https://truststore\.pki\.rds\.amazonaws\.com/global/global-bundle\.pem {RDS_CA_BUNDLE}$",
        dockerfile,
        re.M,
    )
    assert f"RUN chmod 0644 {RDS_CA_BUNDLE}" in dockerfile


@pytest.mark.parametrize("stage", STAGES)
def test_the_master_user_reaches_only_the_bootstrap(templates, stage):
    raw = templates[f"reminderly-{stage}-service"]
    master = "PostgresSecretAttachment"
    tasks = resources(raw, "AWS::ECS::TaskDefinition")
    for logical, definition in tasks.items():
        uses = master in json.dumps(definition["Properties"]["ContainerDefinitions"])
        assert uses is logical.startswith("BootstrapTask"), logical
    # no role may read it but the bootstrap's execution role (which injects it)
    readers = [
        role["Ref"]
        for p in resources(raw, "AWS::IAM::Policy").values()
        if master in json.dumps(p["Properties"]["PolicyDocument"])
        for role in p["Properties"]["Roles"]
    ]
    assert len(readers) == 1 and readers[0].startswith("BootstrapTaskExecutionRole"), readers
    # each service task role reads its own login's secret and no other secret
    for task, login in (("Api", "ApiLogin"), ("Worker", "WorkerLogin"), ("Migrate", "OwnerLogin")):
        read = [
            st["Resource"]
            for p in resources(raw, "AWS::IAM::Policy").values()
            if f"{task}TaskTaskRole" in json.dumps(p["Properties"]["Roles"])
            for st in p["Properties"]["PolicyDocument"]["Statement"]
            if "secretsmanager:GetSecretValue" in st["Action"]
        ]
        assert len(read) == 1 and f"{login}SecretAttachment" in json.dumps(read[0]), (task, read)


@pytest.mark.parametrize("stage", STAGES)
def test_the_bootstrap_runs_once_before_the_first_migration(templates, stage):
    raw = templates[f"reminderly-{stage}-service"]
    custom = resources(raw, "Custom::AWS")
    (bootstrap_id,) = [k for k in custom if k.startswith("BootstrapOnCreate")]
    (migrate_id,) = [k for k in custom if k.startswith("MigrateOnDeploy")]
    assert bootstrap_id in raw["Resources"][migrate_id]["DependsOn"]
    create = json.dumps(custom[bootstrap_id]["Properties"]["Create"])
    assert "bootstrap-1" in create and "BootstrapTask" in create  # a constant id: once per stack
    container = _tasks(templates, f"reminderly-{stage}-service")["Bootstrap"]
    assert container["Command"] == ["reminderly", "db", "bootstrap"]
    firsts = {
        s["Name"]: _secret_logical_id(s["ValueFrom"])
        for s in container["Secrets"]
        if s["Name"].endswith("_PASSWORD")
    }
    assert firsts == {
        "REMINDERLY_OWNER_PASSWORD": "Owner",
        "REMINDERLY_API_LOGIN_PASSWORD": "Api",
        "REMINDERLY_WORKER_LOGIN_PASSWORD": "Worker",
    }
    migrate = _tasks(templates, f"reminderly-{stage}-service")["Migrate"]
    assert (
        migrate["Command"][:3] == ["reminderly", "db", "migrate"]
        and "--wait-for-login" in migrate["Command"]
    )
    # the standby neither bootstraps nor migrates; its tasks read the logins' replicas by name
    standby = templates[f"reminderly-{stage}-dr-service"]
    assert not [
        k
        for k in resources(standby, "Custom::AWS")
        if k.startswith(("BootstrapOnCreate", "MigrateOnDeploy"))
    ]
    api = _tasks(templates, f"reminderly-{stage}-dr-service")["Api"]
    env = {e["Name"]: e["Value"] for e in api["Environment"]}
    assert env["REMINDERLY_DB_SECRET_ID"] == naming.database_login_secret(stage, "api")


@pytest.mark.parametrize("stage", STAGES)
def test_a_failed_rotation_alarms(templates, stage):
    service = templates[f"reminderly-{stage}-service"]
    (rule,) = [
        r["Properties"]
        for r in resources(service, "AWS::Events::Rule").values()
        if r["Properties"]["Name"] == f"reminderly-{stage}-secret-rotation-failed"
    ]
    pattern = rule["EventPattern"]
    assert pattern["source"] == ["aws.secretsmanager"]
    assert pattern["detail-type"] == ["AWS Service Event via CloudTrail"]
    assert pattern["detail"]["eventName"] == ["RotationFailed", "RotationAbandoned"]
    assert rule["Targets"][0]["Arn"]["Fn::GetAtt"][1] == "Arn"  # kept in a queue for diagnosis
    monitoring = templates[f"reminderly-{stage}-monitoring"]
    (alarm,) = [
        a["Properties"]
        for a in resources(monitoring, "AWS::CloudWatch::Alarm").values()
        if a["Properties"]["AlarmName"] == f"reminderly-{stage}-secret-rotation-failed"
    ]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Threshold"]) == (
        "AWS/Events",
        "TriggeredRules",
        0,
    )
    assert "rule" in json.dumps(alarm["Dimensions"]).lower()
    assert "runbooks/secret-rotation-failed.md" in alarm["AlarmDescription"]
    assert len(alarm["AlarmActions"]) == 2  # runbook severity high: an OpsItem and the paging topic
