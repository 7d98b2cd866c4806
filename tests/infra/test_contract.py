"""The deployment contract (deploy_contract/) holds what the application and the infrastructure
must agree on: infrastructure imports it and never the application, the application names its
metrics with its constants, and the alarms of the synthesized templates watch exactly what
the code emits, under the dimensions it emits them with."""

from __future__ import annotations

import ast
import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from deploy_contract import metrics as M
from deploy_contract.naming import STAGES, stack_name

from .conftest import TEST_STAGES, read_templates

ROOT = Path(__file__).resolve().parents[2]
UNITS = {"Count", "Seconds", "Milliseconds", "Bytes", "Percent", "None"}


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at any depth (lazy imports inside functions too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return found


def python_files(*folders: str) -> list[Path]:
    return [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))]


def test_infrastructure_imports_the_contract_never_the_application():
    offenders = {
        str(p.relative_to(ROOT)): sorted(
            m for m in imports_of(p) if m.split(".")[0] == "app_service"
        )
        for p in python_files("stacks", "cdk")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    # and it does use the contract (a test that finds no file would pass for nothing)
    users = [
        p
        for p in python_files("stacks", "cdk")
        if any(m.startswith("deploy_contract") for m in imports_of(p))
    ]
    assert len(users) >= 6


def test_the_contract_is_standard_library_only_and_imports_neither_side():
    for path in python_files("deploy_contract"):
        tops = {m.split(".")[0] for m in imports_of(path)}
        assert tops <= set(sys.stdlib_module_names) | {"__future__", "deploy_contract"}, path


def test_stacks_do_not_import_the_cdk_app():
    """cdk/app.py imports the stacks; the pipeline stack gets the stage builder passed in."""
    for path in python_files("stacks"):
        assert not {m for m in imports_of(path) if m == "cdk.app" or m.startswith("cdk.app.")}, path


def test_the_names_have_one_home():
    """naming moved from app_service/ops/ to the contract: no copy, no importer left behind
    (`from app_service.ops import naming` counts: imports_of lists it as app_service.ops.naming)."""
    assert not (ROOT / "app_service" / "ops" / "naming.py").exists()
    stale = [
        str(p.relative_to(ROOT))
        for p in python_files("app_service", "stacks", "cdk", "tests")
        if any(m.startswith("app_service.ops.naming") for m in imports_of(p))
    ]
    assert stale == []


def test_the_naming_module_runs_as_a_script_without_the_project_installed():
    """scripts/stage-run.sh runs it with the system python3 (-I: no site-packages, no cwd)."""
    script = ROOT / "deploy_contract" / "naming.py"
    out = subprocess.run(
        [sys.executable, "-I", str(script), "prod", "service"], capture_output=True, text=True
    )
    assert (out.returncode, out.stdout.strip()) == (0, "reminderly-prod-service")
    bad = subprocess.run(
        [sys.executable, "-I", str(script), "prod", "nope"], capture_output=True, text=True
    )
    assert bad.returncode != 0 and "unknown unit 'nope'" in bad.stderr
    assert "deploy_contract/naming.py" in (ROOT / "scripts" / "stage-run.sh").read_text()


def test_the_stage_names_are_the_configured_stages_and_the_dr_objectives():
    from cdk.config import STAGES as CONFIGURED
    from deploy_contract.dr import OBJECTIVES

    assert tuple(CONFIGURED) == STAGES == tuple(OBJECTIVES)


# --- metrics: what the code emits --------------------------------------------------------------


def _contract_name(node: ast.expr) -> str | None:
    """The metric name `node` denotes if it is a contract constant (M.NAME), else None."""
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "M"
    ):
        return getattr(M, node.attr, None)
    return None


def _is_unit_pair(node: ast.expr | None) -> bool:
    return (
        isinstance(node, ast.Tuple)
        and len(node.elts) == 2
        and isinstance(node.elts[1], ast.Constant)
        and node.elts[1].value in UNITS
    )


def emitter_positions() -> list[tuple[str, ast.expr]]:
    """Every place the application names a metric it publishes: keys of {name: (value, unit)}
    (the EMF sink's shape), `values[name] = (value, unit)`, and PutMetricData's MetricName
    (its names from a loop over (M.NAME, value) pairs too)."""
    found: list[tuple[str, ast.expr]] = []
    for path in python_files("app_service"):
        where = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(), where)):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if key is not None and _is_unit_pair(value):
                        found += (
                            [(where, k) for k in (key.body, key.orelse)]
                            if isinstance(key, ast.IfExp)
                            else [(where, key)]
                        )
                    if (
                        isinstance(key, ast.Constant)
                        and key.value == "MetricName"
                        and not isinstance(value, ast.Name)
                    ):
                        found.append((where, value))
            elif isinstance(node, ast.Assign) and _is_unit_pair(node.value):
                found += [(where, t.slice) for t in node.targets if isinstance(t, ast.Subscript)]
            elif isinstance(node, ast.For) and isinstance(node.iter, ast.Tuple | ast.List):
                found += [
                    (where, pair.elts[0])
                    for pair in node.iter.elts
                    if isinstance(pair, ast.Tuple) and _contract_name(pair.elts[0]) in M.DR_METRICS
                ]
    return found


def test_every_metric_the_code_emits_is_named_by_a_contract_constant():
    positions = emitter_positions()
    literal = [
        (where, ast.unparse(node)) for where, node in positions if _contract_name(node) is None
    ]
    assert literal == [], "name these metrics with deploy_contract.metrics constants"
    emitted = {_contract_name(node) for _, node in positions}
    # every contract metric is emitted somewhere (none is dead), and nothing else is
    assert emitted == M.APP_METRICS | M.DR_METRICS
    files = {where for where, _ in positions}
    assert {
        "app_service/worker/housekeeping.py",
        "app_service/telemetry.py",
        "app_service/ops/dr.py",
        "app_service/worker/channels/sms_route.py",
        "app_service/webhook_delivery.py",
    } <= files


def test_the_emitters_publish_under_the_contract_namespaces():
    from app_service.ops import dr
    from app_service.worker import metrics

    assert metrics.NAMESPACE == M.APP_NAMESPACE
    assert dr.DR_NAMESPACE == M.DR_NAMESPACE
    assert set(M.METRICS) == set(M.WATCHED) == {M.APP_NAMESPACE, M.DR_NAMESPACE}


# --- metrics: what the alarms watch, in the synthesized templates ------------------------------


def watched_metrics(template: dict) -> list[tuple[str, str, dict[str, object]]]:
    """(namespace, metric, dimensions) of every metric an alarm of `template` watches, alone or
    inside a metric-math expression."""
    out = []
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::CloudWatch::Alarm":
            continue
        props = resource["Properties"]
        stats = [props] + [
            q["MetricStat"]["Metric"] for q in props.get("Metrics", []) if "MetricStat" in q
        ]
        for s in stats:
            if "MetricName" in s:
                dims = {d["Name"]: d["Value"] for d in s.get("Dimensions", [])}
                out.append((s["Namespace"], s["MetricName"], dims))
    return out


@pytest.fixture(scope="module")
def stage_templates(assembly) -> dict[str, dict]:
    return read_templates(assembly)


Published = set[tuple[str, str, frozenset[tuple[str, object]]]]
"""(namespace, metric, {dimension: value}) as CloudWatch files a datapoint."""


def emf_published(stage: str, capsys) -> Published:
    """What CloudWatch extracts from the real EMF emitter's output for `stage`: every contract
    metric of the application, under each dimension set the EMF document declares (the library
    adds its own default dimensions unless told not to)."""
    from app_service import config, emf

    capsys.readouterr()
    with config.using(dataclasses.replace(config.current(), stage=stage)):
        emf.emit({name: (1.0, "Count") for name in sorted(M.APP_METRICS)})
    published: Published = set()
    for line in capsys.readouterr().out.splitlines():
        doc = json.loads(line)
        for directive in doc["_aws"]["CloudWatchMetrics"]:
            for dimension_set in directive["Dimensions"]:
                dims = frozenset((k, doc[k]) for k in dimension_set)
                for metric in directive["Metrics"]:
                    published.add((directive["Namespace"], metric["Name"], dims))
    return published


def drill_published(stage: str) -> Published:
    """What the DR drill's PutMetricData call files, through a real (stubbed) CloudWatch client."""
    import boto3
    from botocore.stub import Stubber

    from app_service.ops import dr
    from deploy_contract.dr import OBJECTIVES

    client = boto3.client(
        "cloudwatch", region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="x"
    )
    calls: list[dict] = []
    client.meta.events.register(
        "provide-client-params.cloudwatch.PutMetricData", lambda params, **_: calls.append(params)
    )
    result = dr.DrillResult(
        stage=stage, target_instance="t", restore_started="now", rto_seconds=1, rpo_seconds=1
    )
    with Stubber(client) as stub:
        stub.add_response("put_metric_data", {})
        dr._publish(client, result, OBJECTIVES[stage])
    return {
        (
            call["Namespace"],
            d["MetricName"],
            frozenset((x["Name"], x["Value"]) for x in d.get("Dimensions", [])),
        )
        for call in calls
        for d in call["MetricData"]
    }


@pytest.mark.parametrize("stage", list(TEST_STAGES))
def test_every_alarm_on_an_application_metric_watches_a_series_the_code_publishes(
    stage_templates, stage, capsys
):
    """An alarm matches a metric only by namespace, name and the exact dimension set: one the
    code never publishes stays without data forever (and a heartbeat alarm treating missing
    data as breaching pages for nothing). Read from the emitters' real output, not assumed."""
    published = emf_published(stage, capsys) | drill_published(stage)
    assert published, "the emitters published nothing"
    checked, unmatched = 0, []
    for unit in ("service", "monitoring", "dr-service", "dr-monitoring"):
        for namespace, name, dims in watched_metrics(stage_templates[stack_name(stage, unit)]):
            if not namespace.startswith("Reminderly"):
                continue  # AWS's own metrics (their dimensions are CloudFormation references)
            checked += 1
            if (namespace, name, frozenset(dims.items())) not in published:
                unmatched.append((unit, namespace, name, dims))
    assert checked >= sum(len(names) for names in M.WATCHED.values())
    assert unmatched == []


@pytest.mark.parametrize("stage", list(TEST_STAGES))
def test_alarms_watch_only_what_the_code_emits_and_all_that_is_meant_to_be_alarmed(
    stage_templates, stage
):
    watched: dict[str, set[str]] = {ns: set() for ns in M.METRICS}
    for unit in ("service", "monitoring", "dr-service", "dr-monitoring"):
        for namespace, name, dims in watched_metrics(stage_templates[stack_name(stage, unit)]):
            if namespace.startswith("Reminderly"):
                assert name in M.METRICS.get(namespace, ()), (
                    f"{unit}: alarm on {namespace}/{name}, which nothing emits"
                )
                # the emitters put exactly one dimension, the stage: any other never matches
                assert dims == {M.STAGE_DIMENSION: stage}, (unit, name, dims)
                watched[namespace].add(name)
    assert watched == {ns: set(names) for ns, names in M.WATCHED.items()}


def test_the_wheel_carries_the_contract(tmp_path):
    """The image installs a wheel: the application's imports of deploy_contract must resolve."""
    import zipfile

    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--wheel-dir",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("reminderly-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "deploy_contract/__init__.py",
        "deploy_contract/naming.py",
        "deploy_contract/metrics.py",
        "deploy_contract/dr.py",
    } <= names
    assert "COPY deploy_contract ./deploy_contract" in (ROOT / "Dockerfile").read_text()
