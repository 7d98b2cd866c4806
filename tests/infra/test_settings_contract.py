"""The deployed task definitions and the application agree on configuration: every variable
a stack sets on a container (plain or from a secret) is one `Settings` reads, or one libpq
reads itself. A name renamed on one side only fails here, not in production."""

from __future__ import annotations

from app_service.config import LIBPQ_VARIABLES, Settings
from tests.infra.conftest import resources


def test_every_variable_the_stacks_set_on_a_task_is_one_settings_reads(templates):
    known = Settings.variables() | LIBPQ_VARIABLES
    seen: dict[str, set[str]] = {}
    for stack, template in templates.items():
        for task in resources(template, "AWS::ECS::TaskDefinition").values():
            for container in task["Properties"]["ContainerDefinitions"]:
                for entry in container.get("Environment", []) + container.get("Secrets", []):
                    seen.setdefault(entry["Name"], set()).add(stack)
    assert len(seen) > 20  # the API's, the worker's, the bootstrap's and the drill's variables
    unknown = {name: sorted(stacks) for name, stacks in seen.items() if name not in known}
    assert unknown == {}
