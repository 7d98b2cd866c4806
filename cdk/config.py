"""Typed per-stage configuration: the same stack classes serve dev, staging and prod.

Accounts are placeholders until a platform engineer sets them (or CDK_DEFAULT_ACCOUNT at deploy
time); availability zones are pinned in cdk.context.json so synth makes no AWS call.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class AlarmThresholds:
    """Where the alarms fire; each alarm's runbook says what to do."""

    rds_cpu_percent: float = 80.0
    rds_free_storage_gib: float = 10.0
    rds_freeable_memory_mib: float = 256.0
    rds_connections: float = 400.0
    rds_max_used_transaction_ids: float = 1_000_000_000.0  # wraparound at about 2.1 billion
    replica_lag_seconds: float = 900.0


@dataclass(frozen=True)
class StageConfig:
    name: str
    account: str
    region: str
    dr_region: str
    vpc_cidr: str
    max_azs: int
    nat_gateways: int
    db_instance_type: str  # e.g. "t4g.medium": class.size, as ec2.InstanceType takes it
    db_allocated_storage_gib: int
    db_max_allocated_storage_gib: int
    db_multi_az: bool
    db_backup_retention_days: int
    db_deletion_protection: bool
    # PostgreSQL 18, as the embedded server; a pinned minor, raised deliberately
    db_engine_version: str = "VER_18_3"
    runbook_base_url: str = "https://github.com/reminderly/reminderly/blob/main/runbooks"
    log_retention_days: int = 30
    backup_vault_lock: bool = False
    alarm_email: str | None = None
    domain_name: str | None = None
    # ACM certificate for the HTTPS listener (placeholders: set the stage's real one)
    certificate_arn: str = (
        "arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-0000-0000-000000000000"
    )
    api_cpu: int = 512
    api_memory_mib: int = 1024
    api_min_tasks: int = 2
    api_max_tasks: int = 6
    worker_min_tasks: int = 1
    worker_max_tasks: int = 4
    ses_identity: str = "reminderly.example.com"  # verified SES domain the worker sends from
    ses_configuration_set: str = "reminderly"
    # the End User Messaging SMS phone pool the worker sends from (placeholder id: set the real one)
    sms_pool_id: str = "pool-00000000000000000000000000000000"
    # provider send rates, shared by all workers (the pool's numbers' combined messages per
    # second, the SES account's maximum send rate): set them to what AWS granted the account
    sms_per_second: float = 1.0
    email_per_second: float = 14.0
    waf_rate_limit_per_5_min: int = 2000
    alarms: AlarmThresholds = field(default_factory=AlarmThresholds)

    @property
    def prefix(self) -> str:
        return f"reminderly-{self.name}"


STAGES: dict[str, StageConfig] = {
    "dev": StageConfig(
        name="dev", account="111111111111", region="us-east-1", dr_region="us-west-2",
        vpc_cidr="10.10.0.0/16", max_azs=2, nat_gateways=1,
        db_instance_type="t4g.medium", db_allocated_storage_gib=20, db_max_allocated_storage_gib=100,
        db_multi_az=False, db_backup_retention_days=7, db_deletion_protection=False,
        log_retention_days=14, api_min_tasks=1, api_max_tasks=2, worker_max_tasks=2,
        certificate_arn="arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-0000-0000-000000000001",
    ),
    "staging": StageConfig(
        name="staging", account="222222222222", region="us-east-1", dr_region="us-west-2",
        vpc_cidr="10.20.0.0/16", max_azs=2, nat_gateways=1,
        db_instance_type="m7g.large", db_allocated_storage_gib=50, db_max_allocated_storage_gib=200,
        db_multi_az=False, db_backup_retention_days=14, db_deletion_protection=True,
        log_retention_days=30,
        certificate_arn="arn:aws:acm:us-east-1:222222222222:certificate/00000000-0000-0000-0000-000000000002",
    ),
    "prod": StageConfig(
        name="prod", account="333333333333", region="us-east-1", dr_region="us-west-2",
        vpc_cidr="10.30.0.0/16", max_azs=3, nat_gateways=3,
        db_instance_type="r7g.large", db_allocated_storage_gib=100, db_max_allocated_storage_gib=1000,
        db_multi_az=True, db_backup_retention_days=35, db_deletion_protection=True,
        log_retention_days=90, backup_vault_lock=True, api_cpu=1024, api_memory_mib=2048,
        api_min_tasks=3, api_max_tasks=12, worker_min_tasks=2, worker_max_tasks=8,
        certificate_arn="arn:aws:acm:us-east-1:333333333333:certificate/00000000-0000-0000-0000-000000000003",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class PipelineConfig:
    """Where the CI/CD pipeline runs and what it watches (placeholders: set the real ones)."""

    account: str = "444444444444"
    region: str = "us-east-1"
    repository: str = "reminderly/reminderly"
    branch: str = "main"
    connection_arn: str = "arn:aws:codeconnections:us-east-1:444444444444:connection/00000000-0000-0000-0000-000000000000"


PIPELINE = PipelineConfig()
