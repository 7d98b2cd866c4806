"""Runbooks: every alarm (metric and composite) of every stage links an existing runbook whose
front matter names it; no runbook is orphaned; every `reminderly ...` command a runbook tells
the reader to run exists with the options it uses; relative links resolve."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import click.testing
import pytest

from app_service import PROJECT_ROOT
from app_service.cli import main

RUNBOOKS = PROJECT_ROOT / "runbooks"
DOCS = sorted(RUNBOOKS.glob("*.md"))
REQUIRED = ("alarm_id", "severity", "owner", "last_reviewed", "last_drilled")
SECTIONS = (
    "Impact",
    ("Is it real", "Is it needed"),
    "Diagnosis",
    "Mitigation",
    "Verification",
    "Escalation",
    "Follow-up",
)


def front_matter(path: Path) -> dict[str, str]:
    text = path.read_text()
    match = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    assert match, f"{path.name} has no front matter"
    return dict(line.split(": ", 1) for line in match.group(1).splitlines())


def _scaling_trigger(template: dict, props: dict) -> bool:
    """Step-scaling alarms act on scaling policies, not people: they need no runbook."""
    actions = props.get("AlarmActions", [])
    return bool(actions) and all(
        isinstance(a, dict)
        and template["Resources"].get(a.get("Ref"), {}).get("Type")
        == "AWS::ApplicationAutoScaling::ScalingPolicy"
        for a in actions
    )


def alarm_links(templates: dict) -> dict[str, str]:
    """{template:alarm name: runbook id} for every alarm of every stage that notifies people
    (the standby tier's alarms bear the primary's names, in the DR region)."""
    out = {}
    for name, template in templates.items():
        for resource in template["Resources"].values():
            if resource["Type"] in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"):
                props = resource["Properties"]
                if _scaling_trigger(template, props):
                    continue
                alarm = props.get("AlarmName") or props.get("CompositeAlarmName") or name
                (runbook,) = re.findall(r"/runbooks/([a-z0-9-]+)\.md$", props["AlarmDescription"])
                out[f"{name}:{alarm}"] = runbook
    return out


def test_every_alarm_links_a_runbook_that_names_it(templates):
    links = alarm_links(templates)
    # 23 alarms and the composite in each stage's primary and standby tier; the two DR drill
    # alarms in the standby tier only (the drill runs there); prod's replica lag
    assert len(links) == 2 * 3 * 24 + 3 * 2 + 1
    assert sorted(a for a in links if "-dr-drill-" in a) == [
        f"reminderly-{s}-dr-monitoring:reminderly-{s}-dr-drill-{a}"
        for s in ("dev", "prod", "staging")
        for a in ("objective-breached", "overdue")
    ]
    assert [a for a in links if a.endswith("-replica-lag-high")] == [
        "reminderly-prod-dr-monitoring:reminderly-prod-replica-lag-high"
    ]
    for alarm, runbook in links.items():
        path = RUNBOOKS / f"{runbook}.md"
        assert path.exists(), f"{alarm} links {path.name}, which does not exist"
        assert front_matter(path)["alarm_id"] == runbook, path.name


def test_no_runbook_is_orphaned(templates):
    linked = set(alarm_links(templates).values())
    index = (RUNBOOKS / "README.md").read_text()
    for path in DOCS:
        if path.name == "README.md":
            continue
        fm = front_matter(path)
        if fm["alarm_id"] == "none":
            assert f"]({path.name})" in index, f"procedure {path.name} is not in the index"
        else:
            assert fm["alarm_id"] in linked, f"{path.name} names an alarm that does not exist"


@pytest.mark.parametrize("path", [p for p in DOCS if p.name != "README.md"], ids=lambda p: p.stem)
def test_front_matter_and_sections(path):
    fm = front_matter(path)
    for key in REQUIRED:
        assert fm.get(key), f"{path.name}: front matter lacks {key}"
    assert re.match(r"\d{4}-\d{2}-\d{2}$", fm["last_reviewed"])
    headings = re.findall(r"^## (.+)$", path.read_text(), re.M)
    for section in SECTIONS:
        names = section if isinstance(section, tuple) else (section,)
        assert any(h.startswith(names) for h in headings), f"{path.name}: no '{names[0]}' section"


def commands(path: Path) -> list[str]:
    """Every `reminderly ...` line inside the document's fenced code blocks."""
    blocks = re.findall(r"```(?:sh|bash)?\n(.*?)```", path.read_text(), re.S)
    lines = []
    for block in blocks:
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #")[0].strip()
            found = re.search(r"(?:^|\s)(reminderly\s.*)$", line)
            if found:
                lines.append(found.group(1))
    return lines


ALL_COMMANDS = [(p, c) for p in DOCS for c in commands(p)]


def test_runbooks_name_commands():
    assert len(ALL_COMMANDS) > 30


@pytest.mark.parametrize(
    "path, command", ALL_COMMANDS, ids=[f"{p.stem}:{c[:50]}" for p, c in ALL_COMMANDS]
)
def test_every_command_exists_with_its_options(path, command):
    words = shlex.split(command.replace("<", "").replace(">", ""))[1:]
    node: click.Command = main
    used: list[str] = []
    while isinstance(node, click.Group) and words and words[0] in node.commands:
        used.append(words.pop(0))
        node = node.commands[used[-1]]
    assert not isinstance(node, click.Group), f"{path.name}: '{command}' names no command"
    # the options and arguments parse as the command defines them (no unknown option, no bad value)
    node.make_context(" ".join(["reminderly", *used]), list(words))
    result = click.testing.CliRunner().invoke(main, [*used, "--help"])
    assert result.exit_code == 0, result.output


def test_relative_links_resolve():
    for path in [*DOCS, PROJECT_ROOT / "dr" / "README.md"]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text()):
            if re.match(r"[a-z]+://", target):
                continue
            assert (path.parent / target).exists(), f"{path.name}: broken link {target}"


def test_every_named_value_a_runbook_uses_is_a_stack_output(assembly):
    """`<ClusterName>` in a command is read from the stage's stack outputs (describe-stacks):
    a name no stack outputs leaves on-call guessing mid-incident (the API's log group, service
    and target group had none)."""
    from .conftest import read_templates

    outputs = {
        key
        for template in read_templates(assembly).values()
        for key in template.get("Outputs", {})
        if not key.startswith("ExportsOutput")
    }
    named = {
        (path.name, name)
        for path in [*DOCS, PROJECT_ROOT / "dr" / "README.md"]
        for name in re.findall(r"<([A-Z][A-Za-z0-9]+)>", path.read_text())
    }
    assert {n for _, n in named} >= {"ClusterName", "WorkerServiceName", "ApiLogGroup"}
    assert sorted((f, n) for f, n in named if n not in outputs) == []
