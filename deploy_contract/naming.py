"""Stage, stack and resource names: the CDK app names its stacks and resources with these,
`reminderly ops` and `reminderly dr` find them by these, and scripts/stage-run.sh runs this
file to find a stage's service stack. Standard library only, so a shell can run it as a script
(python3 deploy_contract/naming.py STAGE UNIT)."""

from __future__ import annotations

import sys

PROJECT = "reminderly"
STAGES = ("dev", "staging", "prod")
"""The deployment stages, in promotion order (cdk/config.py configures each)."""
PRIMARY_UNITS = ("dr", "network", "database", "service", "monitoring")
STANDBY_UNITS = ("dr-network", "dr-database", "dr-service", "dr-monitoring")
"""The standby (pilot-light) tier in the DR region: the primary's constructs, services at zero."""
UNITS = PRIMARY_UNITS + STANDBY_UNITS
"""The deployable units of a stage, in deploy order (the standby database follows the primary
database: in prod it is its cross-region read replica)."""
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


# --- the standby tier's physical names: the stacks name their resources with these, and
# `reminderly dr failover|failback|drill` act on them (tests/infra checks both agree) -----


def dr_instance(stage: str) -> str:
    """The DR region's database: prod's standing replica, or what a failover restores."""
    return f"{resource_prefix(stage)}-postgres-dr"


def dr_subnet_group(stage: str) -> str:
    return f"{resource_prefix(stage)}-dr-data"


def dr_parameter_group(stage: str) -> str:
    return f"{resource_prefix(stage)}-dr-postgres18"


def dr_cluster(stage: str) -> str:
    return f"{resource_prefix(stage)}-dr"


DR_SERVICES = ("api", "worker")
"""The standby tier's ECS service names (in its cluster dr_cluster(stage))."""


def database_secret(stage: str) -> str:
    """The database secret, in the primary region and (a replica) in the DR region."""
    return f"{resource_prefix(stage)}/database/master"


DATABASE_LOGINS = {
    "owner": "reminderly_owner",
    "api": "reminderly_api_login",
    "worker": "reminderly_worker_login",
}
"""The PostgreSQL logins of migration 0017 (migrations owner, API, worker), each with its own
secret; the master user's secret is used only by `reminderly db bootstrap`."""


def database_login_secret(stage: str, login: str) -> str:
    """A login's secret (`owner`, `api`, `worker`), in the primary region and (a replica) in
    the DR region."""
    if login not in DATABASE_LOGINS:
        raise ValueError(f"unknown login {login!r}: one of {', '.join(DATABASE_LOGINS)}")
    return f"{resource_prefix(stage)}/database/{login}"


def database_secrets(stage: str) -> list[str]:
    """Every secret that names the database's host: the master's and the logins'."""
    return [database_secret(stage)] + [database_login_secret(stage, k) for k in DATABASE_LOGINS]


def vault_name(stage: str) -> str:
    """The AWS Backup vault in the DR region that the database's daily copies land in."""
    return f"{resource_prefix(stage)}-dr-vault"


def link_secret(stage: str) -> str:
    return f"{resource_prefix(stage)}/link-secret"


FAILOVER_PRIMARY, FAILOVER_SECONDARY = "primary", "secondary"
"""The set identifiers of the API name's Route 53 failover records (service, dr-service)."""


def last_write_parameter(stage: str) -> str:
    """The SSM parameter (DR region) where the primary's workers publish its newest committed
    write, which the drill in the DR region reads (it cannot reach the primary's database)."""
    return f"/{PROJECT}/{stage}/dr/primary-last-write"


def failover_state(stage: str) -> str:
    """The SSM parameter (DR region) recording a failover's or failback's progress."""
    return f"/{PROJECT}/{stage}/dr/failover-state"


if __name__ == "__main__":  # python3 deploy_contract/naming.py STAGE UNIT
    if len(sys.argv) != 3:
        sys.exit("usage: naming.py STAGE UNIT")
    try:
        print(stack_name(sys.argv[1], sys.argv[2]))
    except ValueError as e:
        sys.exit(f"error: {e}")
