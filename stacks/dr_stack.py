"""DR region: the keys and the backup vault that copies of the database land in.

Deployed first (it is referenced by name from the primary region): the KMS key for RDS
automated-backup replication, an AWS Backup vault with its own key, locked in prod, and the
parameter the primary's workers publish their newest write to (the drill here reads it).
"""

from __future__ import annotations

import json

from aws_cdk import Duration, Stack
from aws_cdk import aws_backup as backup
from aws_cdk import aws_kms as kms
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from cdk.config import StageConfig
from deploy_contract import naming
from stacks.parts.retention import kept


def replication_key_alias(config: StageConfig) -> str:
    return f"alias/{config.prefix}-rds-backup-replication"


def dr_vault_name(config: StageConfig) -> str:
    return naming.vault_name(config.name)


class DrStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, **kwargs
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        keep = kept(config)
        self.replication_key = kms.Key(
            self,
            "RdsBackupReplicationKey",
            description="Encrypts RDS automated backups replicated into this region",
            enable_key_rotation=True,
            alias=replication_key_alias(config),
            removal_policy=keep,
        )
        self.vault_key = vault_key = kms.Key(
            self,
            "VaultKey",
            description="Encrypts the DR backup vault",
            enable_key_rotation=True,
            removal_policy=keep,
        )
        self.vault = backup.BackupVault(
            self,
            "Vault",
            backup_vault_name=dr_vault_name(config),
            encryption_key=vault_key,
            removal_policy=keep,
            # vault lock (compliance mode once its grace time passes): no one, root included,
            # can delete recovery points before min_retention: ransomware and bad-actor proof
            lock_configuration=backup.LockConfiguration(
                min_retention=Duration.days(7),
                max_retention=Duration.days(400),
                changeable_for=Duration.days(3),
            )
            if config.backup_vault_lock
            else None,
        )
        # written by the primary's workers (created here, before they run: a parameter they
        # created first would make this stack's deploy fail); read by the scheduled drill
        self.last_write = ssm.StringParameter(
            self,
            "PrimaryLastWrite",
            parameter_name=naming.last_write_parameter(config.name),
            description="The primary's newest committed write (JSON; app_service/ops/write_marker.py)",
            string_value=json.dumps({"newest_write": None, "published_at": None}),
        )
