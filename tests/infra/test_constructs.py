"""The service tier's units as constructs: each does its part on its own, the service stack only
wires them, units keep the logical IDs resources had before the split, every alarm comes from
the runbook-alarm factory, and stage differences are config flags, not stage names."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match, Template
from constructs import Construct

from deploy_contract import metrics as M
from deploy_contract.naming import STAGES
from stacks.parts.runbook_alarm import RunbookAlarm, RunbookCompositeAlarm
from stacks.parts.unit import Unit, UnitStack, unit_blind_name

from .conftest import AZ_CONTEXT, TEST_STAGES, resources

ROOT = Path(__file__).resolve().parents[2]
CONFIG = TEST_STAGES["staging"]


# --- units keep logical IDs -------------------------------------------------------------------


def _logical_ids(stack_class: type[cdk.Stack], wrap: bool) -> list[str]:
    app = cdk.App()
    stack = stack_class(app, "Stack")
    scope = Unit(stack, "Wrap") if wrap else stack
    sqs.Queue(Construct(scope, "Inner"), "Queue")
    role = iam.Role(scope, "TaskRole", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["sqs:SendMessage"], resources=["*"]))
    ec2.SecurityGroup(scope, "Group", vpc=ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0))
    return sorted(app.synth().get_stack_by_name("Stack").template["Resources"])


def test_a_unit_is_transparent_to_logical_ids():
    """The same resources inside a Unit of a UnitStack get the IDs they get without it (CDK's
    hashing, reproduced), nested constructs and generated policies included."""
    plain = _logical_ids(cdk.Stack, wrap=False)
    assert _logical_ids(UnitStack, wrap=True) == plain
    assert any(i.startswith("TaskRoleDefaultPolicy") for i in plain)
    # in a plain stack the unit's id is part of the path, so the IDs change
    assert _logical_ids(cdk.Stack, wrap=True) != plain


def test_names_cdk_derives_from_paths_are_the_unit_blind_ones():
    app = cdk.App()
    stack = UnitStack(app, "Stack")
    assert unit_blind_name(Unit(stack, "Wrap"), "ApiTask") == cdk.Names.unique_id(
        Construct(stack, "ApiTask")
    )


def test_two_resources_that_would_share_a_logical_id_are_refused():
    app = cdk.App()
    stack = UnitStack(app, "Stack")
    sqs.Queue(Unit(stack, "A"), "Queue")
    sqs.Queue(Unit(stack, "B"), "Queue")
    with pytest.raises(Exception, match="would share the logical ID"):
        app.synth()


# --- the service stack's units, built on their own --------------------------------------------


@pytest.fixture(scope="module")
def service():
    """A primary and a standby service stack over a stand-in network and database."""
    from stacks.service_stack import ServiceStack

    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    app = cdk.App(context=AZ_CONTEXT)
    env = cdk.Environment(account=CONFIG.account, region=CONFIG.region)
    base = cdk.Stack(app, "Base", env=env)
    vpc = ec2.Vpc(base, "Vpc", max_azs=2)
    key = kms.Key(base, "Key")
    group = ec2.SecurityGroup(base, "Db", vpc=vpc)
    built = {}
    for name, standby in (("primary", False), ("standby", True)):
        built[name] = ServiceStack(
            app,
            f"Svc-{name}",
            config=CONFIG,
            vpc=vpc,
            database_key=key,
            standby=standby,
            database_secret_arn=None
            if standby
            else f"arn:aws:secretsmanager:us-east-1:{CONFIG.account}:secret:m-AbCdEf",
            database_security_group=group,
            env=env,
        )
    assembly = app.synth()
    return {
        name: (stack, assembly.get_stack_by_name(stack.stack_name).template)
        for name, stack in built.items()
    }


UNITS = {
    "Runtime": "Runtime",
    "Api": "ApiService",
    "Worker": "WorkerService",
    "Migrations": "MigrateOnDeploy",
    "FrontDoor": "FrontDoor",
    "InboundEvents": "InboundTopic",
}


@pytest.mark.parametrize("tier", ["primary", "standby"])
def test_the_stack_only_wires_its_units(service, tier):
    stack, _ = service[tier]
    children = {c.node.id: c for c in stack.node.children}
    for unit_id, class_name in UNITS.items():
        assert (
            isinstance(children[unit_id], Unit) and type(children[unit_id]).__name__ == class_name
        )
    own = {i for i, c in children.items() if not isinstance(c, Unit | cdk.CfnOutput)}
    # the standby's failover-progress parameter; CDK's own custom-resource provider (a singleton
    # per stack) for the primary's migrate-on-deploy; the synthesizer's bootstrap check
    cdk_own = {"AWS679f53fac002430cb0da5b7982bd2287", "BootstrapVersion", "CheckBootstrapVersion"}
    assert own - cdk_own == ({"FailoverState"} if tier == "standby" else set())


def _depends_on(template: dict, kind: str) -> list[set[str]]:
    return [set(r.get("DependsOn", [])) for r in resources(template, kind).values()]


def test_migrate_on_deploy_runs_before_both_services_and_after_the_bootstrap(service):
    _, template = service["primary"]
    runs = resources(template, "Custom::AWS")
    (migrate,) = [k for k in runs if k.startswith("MigrateOnDeploy")]
    (bootstrap,) = [k for k in runs if k.startswith("BootstrapOnCreate")]
    assert bootstrap in runs[migrate]["DependsOn"]
    services = _depends_on(template, "AWS::ECS::Service")
    assert len(services) == 2 and all(migrate in d for d in services)
    # the standby runs neither (its database is a replica, or absent), but its failed
    # migrations after a failover are still caught
    _, standby = service["standby"]
    assert resources(standby, "Custom::AWS") == {}
    Template.from_json(standby).has_resource_properties(
        "AWS::Events::Rule", {"Name": f"{CONFIG.prefix}-migration-failed"}
    )


def test_the_worker_publishes_and_scales_on_the_contract_metrics(service):
    _, template = service["primary"]
    t = Template.from_json(template)
    t.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": "cloudwatch:PutMetricData",
                                "Condition": {
                                    "StringEquals": {"cloudwatch:namespace": M.APP_NAMESPACE}
                                },
                            }
                        )
                    ]
                )
            }
        },
    )
    alarms = resources(template, "AWS::CloudWatch::Alarm").values()
    watched = {(a["Properties"]["Namespace"], a["Properties"]["MetricName"]) for a in alarms}
    assert watched == {(M.APP_NAMESPACE, M.EXPECTED_DRAIN)} and len(alarms) == 2


@pytest.mark.parametrize("tier", ["primary", "standby"])
def test_the_front_door_answers_https_only_behind_waf(service, tier):
    _, template = service[tier]
    listeners = resources(template, "AWS::ElasticLoadBalancingV2::Listener").values()
    assert [(x["Properties"]["Port"], x["Properties"]["Protocol"]) for x in listeners] == [
        (443, "HTTPS")
    ]
    (lb,) = resources(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    (association,) = resources(template, "AWS::WAFv2::WebACLAssociation").values()
    assert association["Properties"]["ResourceArn"] == {"Ref": lb}
    records = [
        r["Properties"]["Failover"] for r in resources(template, "AWS::Route53::RecordSet").values()
    ]
    assert records == (["SECONDARY"] if tier == "standby" else ["PRIMARY"])


def test_the_inbound_topic_delivers_to_the_webhook_with_a_dead_letter_queue(service):
    _, template = service["primary"]
    (sub,) = resources(template, "AWS::SNS::Subscription").values()
    props = sub["Properties"]
    assert (props["Protocol"], props["Endpoint"]) == (
        "https",
        f"https://{CONFIG.domain_name}/v1/webhooks/sns",
    )
    (dlq,) = [
        k
        for k, q in resources(template, "AWS::SQS::Queue").items()
        if q["Properties"].get("QueueName") == f"{CONFIG.prefix}-inbound-dlq"
    ]
    assert props["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": [dlq, "Arn"]}
    (topic,) = resources(template, "AWS::SNS::Topic").values()
    assert "KmsMasterKeyId" in topic["Properties"]


# --- alarms from one factory; stage differences as flags ----------------------------------------


def test_every_alarm_comes_from_the_runbook_factory(unchecked_apps):
    stages_app, _ = unchecked_apps
    factory, scaling = 0, 0
    for c in stages_app.node.find_all():
        if not cdk.CfnResource.is_cfn_resource(c) or c.cfn_resource_type not in (
            "AWS::CloudWatch::Alarm",
            "AWS::CloudWatch::CompositeAlarm",
        ):
            continue
        if any(isinstance(s, RunbookAlarm | RunbookCompositeAlarm) for s in c.node.scopes):
            factory += 1
        else:  # the worker's step scaling alarms: they scale, nobody is notified
            assert "/Worker/WorkerService/TaskCount/" in c.node.path, c.node.path
            scaling += 1
    assert scaling == 2 * 2 * len(STAGES)  # lower and upper, primary and standby tier
    assert factory >= 24 * 2 * len(STAGES)


def _stage_name_comparisons(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Compare) and any(
            isinstance(op, ast.Eq | ast.NotEq) for op in node.ops
        ):
            operands = [node.left, *node.comparators]
            if any(isinstance(o, ast.Constant) and o.value in STAGES for o in operands):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_stage_differences_are_config_flags_not_stage_names():
    files = [p for d in ("stacks", "cdk", "tests/infra") for p in sorted((ROOT / d).rglob("*.py"))]
    assert [f for p in files for f in _stage_name_comparisons(p)] == []
    flags = {s: (c.retain_data, c.dr_replica) for s, c in TEST_STAGES.items()}
    assert flags == {"dev": (False, False), "staging": (True, False), "prod": (True, True)}


def test_no_infrastructure_module_is_over_400_lines():
    files = [p for d in ("stacks", "cdk", "deploy_contract") for p in (ROOT / d).rglob("*.py")]
    long = {
        str(p.relative_to(ROOT)): n for p in files if (n := len(p.read_text().splitlines())) > 400
    }
    assert long == {}
