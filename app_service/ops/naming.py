"""The deployment contract's names, in one place: the CDK app names its stacks and resources
with these, `reminderly ops` finds alarms with them, and scripts/stage-run.sh runs this file
to find a stage's service stack. Standard library only, so a shell can run it as a script."""

from __future__ import annotations

import sys

PROJECT = "reminderly"
UNITS = ("dr", "network", "database", "service", "monitoring")
"""The deployable units of a stage, in deploy order."""
PIPELINE_STACK = f"{PROJECT}-pipeline"


def resource_prefix(stage: str) -> str:
    """What every name of a stage's resources starts with (alarms, topics, secrets)."""
    return f"{PROJECT}-{stage}"


def stack_name(stage: str, unit: str) -> str:
    """The CloudFormation stack of one unit of a stage, the same whether deployed by
    `cdk deploy` or by the pipeline."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}: one of {', '.join(UNITS)}")
    return f"{resource_prefix(stage)}-{unit}"


if __name__ == "__main__":  # python3 app_service/ops/naming.py STAGE UNIT
    if len(sys.argv) != 3:
        sys.exit("usage: naming.py STAGE UNIT")
    try:
        print(stack_name(sys.argv[1], sys.argv[2]))
    except ValueError as e:
        sys.exit(f"error: {e}")
