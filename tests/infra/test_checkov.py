"""checkov (a peer rule set to cdk-nag) on every synthesized template, stages and pipeline:
zero failed checks; each deliberate exception is a skip in the template metadata, from the
register in cdk/checkov_skips.py, specific, reasoned and used."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from app_service import PROJECT_ROOT
from cdk.checkov_skips import REGISTER, apply_skips

CHECKOV = Path(os.environ.get("CHECKOV", PROJECT_ROOT / ".venv-checkov" / "bin" / "checkov"))
PINNED = re.search(
    r"^checkov==(\S+)$", (PROJECT_ROOT / "requirements-checkov.txt").read_text(), re.M
).group(1)


def run_checkov(directory: Path) -> list[dict]:
    assert CHECKOV.exists(), (
        "checkov is not installed: scripts/test.sh installs it into .venv-checkov"
    )
    ran = subprocess.run(
        [
            CHECKOV,
            "-d",
            directory,
            "--framework",
            "cloudformation",
            "--compact",
            "--output",
            "json",
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert ran.stdout, ran.stderr
    report = json.loads(ran.stdout)
    return report if isinstance(report, list) else [report]


def test_checkov_finds_nothing_in_any_template(assembly, pipeline_assembly, tmp_path):
    for directory in (assembly, pipeline_assembly):
        for template in directory.glob("*.template.json"):
            shutil.copy(template, tmp_path / template.name)
    (report,) = run_checkov(tmp_path)
    assert report["summary"]["checkov_version"] == PINNED
    assert report["summary"]["parsing_errors"] == 0
    failed = [
        f"{f['file_path']}: {f['resource']} {f['check_id']} {f['check_name']}"
        for f in report["results"]["failed_checks"]
    ]
    assert failed == []
    assert report["summary"]["passed"] > 500  # it really checked the stacks
    skipped = {(s["check_id"], s["resource"]) for s in report["results"]["skipped_checks"]}
    assert {check for check, _ in skipped} == {s.check for s in REGISTER}


def test_skips_are_in_the_template_metadata_with_their_reasons(templates):
    found = [
        (name, skip)
        for name, template in templates.items()
        for resource in template["Resources"].values()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert found
    reasons = {s.reason for s in REGISTER}
    assert all(skip["comment"] in reasons for _, skip in found)


def test_register_is_specific_and_every_entry_is_used(unchecked_apps):
    for skip in REGISTER:
        assert re.fullmatch(r"CKV2?_AWS_\d+", skip.check), skip
        assert skip.path.count("/") >= 2 and not skip.path.startswith("*/"), skip  # a construct
        assert len(skip.reason) >= 40, skip

    stages, pipeline = unchecked_apps
    used_by_stages, used_by_pipeline = apply_skips(stages), apply_skips(pipeline)
    assert [s for s in REGISTER if used_by_stages[s] + used_by_pipeline[s] == 0] == []
