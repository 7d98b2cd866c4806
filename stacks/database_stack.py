"""Database: RDS for PostgreSQL 18 with its key, parameters, credentials and backups."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_backup as backup
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from cdk.config import StageConfig
from deploy_contract import naming
from stacks.dr_stack import dr_vault_name, replication_key_alias
from stacks.parts.log_key import log_key
from stacks.parts.retention import kept, retention

# what generated passwords leave out (CDK's default for database secrets): characters that
# need quoting in a connection string or a shell
EXCLUDED_CHARACTERS = " %+~`#$&*()|[]{}:;<>?!'/@\"\\"

# Slow statements, lock waits and temp files are logged; SSL is required for every connection.
PARAMETERS = {
    "rds.force_ssl": "1",
    "log_min_duration_statement": "500",
    "log_lock_waits": "1",
    "log_temp_files": "0",
    "log_autovacuum_min_duration": "1000",
    "idle_in_transaction_session_timeout": "60000",
    "shared_preload_libraries": "pg_stat_statements",
}


class DatabaseStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, vpc: ec2.IVpc, **kwargs
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.key = kms.Key(
            self,
            "Key",
            description=f"{config.prefix}: database storage, snapshots, Performance Insights, credentials",
            enable_key_rotation=True,
            removal_policy=kept(config),
        )
        engine = rds.DatabaseInstanceEngine.postgres(
            version=getattr(rds.PostgresEngineVersion, config.db_engine_version)
        )
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="PostgreSQL: reachable only from the reminderly service tasks and the rotation function",
            allow_all_outbound=False,
        )
        self.instance = rds.DatabaseInstance(
            self,
            "Postgres",
            engine=engine,
            instance_type=ec2.InstanceType(config.db_instance_type),
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            security_groups=[self.security_group],
            publicly_accessible=False,
            multi_az=config.db_multi_az,
            database_name="reminderly",
            credentials=rds.Credentials.from_generated_secret(
                "reminderly",
                secret_name=f"{config.prefix}/database/master",
                encryption_key=self.key,
                # a copy in the DR region, encrypted there with the DR stack's key: a region
                # failover (reminderly dr failover) repoints it at the restored instance
                replica_regions=[
                    secretsmanager.ReplicaRegion(
                        region=config.dr_region,
                        encryption_key=kms.Key.from_key_arn(
                            self,
                            "DrSecretKey",
                            f"arn:aws:kms:{config.dr_region}:{config.account}:{replication_key_alias(config)}",
                        ),
                    )
                ],
            ),
            parameter_group=rds.ParameterGroup(
                self, "Parameters", engine=engine, parameters=PARAMETERS
            ),
            storage_type=rds.StorageType.GP3,
            allocated_storage=config.db_allocated_storage_gib,
            max_allocated_storage=config.db_max_allocated_storage_gib,
            storage_encrypted=True,
            storage_encryption_key=self.key,
            backup_retention=Duration.days(config.db_backup_retention_days),
            preferred_backup_window="06:00-06:30",
            preferred_maintenance_window="sun:07:00-sun:07:30",
            copy_tags_to_snapshot=True,
            deletion_protection=config.db_deletion_protection,
            removal_policy=kept(config, RemovalPolicy.SNAPSHOT),
            auto_minor_version_upgrade=False,  # the minor version is pinned in config
            enable_performance_insights=True,
            performance_insight_encryption_key=self.key,
            monitoring_interval=Duration.seconds(60),
            instance_identifier=f"{config.prefix}-postgres",
            cloudwatch_logs_exports=["postgresql", "upgrade"],
            iam_authentication=True,
        )
        # The exported logs' groups, with retention, made here rather than by CDK's
        # log-retention custom resource (a Lambda with broad permissions).
        logs_key = log_key(self, config)
        for log in ("postgresql", "upgrade"):
            group = logs.LogGroup(
                self,
                f"{log.capitalize()}Logs",
                encryption_key=logs_key,
                log_group_name=f"/aws/rds/instance/{config.prefix}-postgres/{log}",
                retention=retention(config.log_retention_days),
                removal_policy=kept(config),
            )
            self.instance.node.add_dependency(group)
        self.instance.add_rotation_single_user(automatically_after=Duration.days(30))
        self.login_secrets = self._login_secrets(config, vpc)
        # Automated backups replicated to the DR region (no L2 property: the CFN one).
        cfn: rds.CfnDBInstance = self.instance.node.default_child  # type: ignore[assignment]
        cfn.add_property_override("AutomaticBackupReplicationRegion", config.dr_region)
        cfn.add_property_override(
            "AutomaticBackupReplicationKmsKeyId",
            f"arn:aws:kms:{config.dr_region}:{config.account}:{replication_key_alias(config)}",
        )
        self._backup_plan(config)

    def _login_secrets(
        self, config: StageConfig, vpc: ec2.IVpc
    ) -> dict[str, secretsmanager.ISecret]:
        """One secret per PostgreSQL login of migration 0017 (`owner` runs the migrations, `api`
        and `worker` the services), with the instance's host, port and database in it, under
        the database's key, replicated to the DR region like the master's.

        Each rotates every 30 days with the single-user function (the login changes its own
        password: the master secret is not needed). The processes re-read their secret when a
        login is refused (app_service/db_credentials.py), AWSPENDING included, so a rotation
        takes nothing down. No rotation at creation: `reminderly db bootstrap` sets the first
        passwords from these secrets when the service stack is deployed."""
        dr_key = kms.Key.from_key_arn(
            self,
            "DrLoginSecretKey",
            f"arn:aws:kms:{config.dr_region}:{config.account}:{replication_key_alias(config)}",
        )
        secrets: dict[str, secretsmanager.ISecret] = {}
        for login, role in naming.DATABASE_LOGINS.items():
            name = login.capitalize()
            secret = rds.DatabaseSecret(
                self,
                f"{name}LoginSecret",
                username=role,
                dbname="reminderly",
                secret_name=naming.database_login_secret(config.name, login),
                encryption_key=self.key,
                exclude_characters=EXCLUDED_CHARACTERS,
                replica_regions=[
                    secretsmanager.ReplicaRegion(region=config.dr_region, encryption_key=dr_key)
                ],
            )
            attached = secret.attach(self.instance)
            secretsmanager.SecretRotation(
                self,
                f"{name}LoginRotation",
                application=secretsmanager.SecretRotationApplication.POSTGRES_ROTATION_SINGLE_USER,
                secret=attached,
                target=self.instance,
                vpc=vpc,
                vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
                automatically_after=Duration.days(30),
                rotate_immediately_on_update=False,
                exclude_characters=EXCLUDED_CHARACTERS,
            )
            secrets[login] = attached
        return secrets

    def _backup_plan(self, config: StageConfig) -> None:
        """AWS Backup: daily snapshots kept 35 days, each copied to the DR region's vault."""
        vault = backup.BackupVault(
            self,
            "Vault",
            backup_vault_name=f"{config.prefix}-vault",
            encryption_key=self.key,
            removal_policy=kept(config),
        )
        dr_vault = backup.BackupVault.from_backup_vault_arn(
            self,
            "DrVault",
            f"arn:aws:backup:{config.dr_region}:{config.account}:backup-vault:{dr_vault_name(config)}",
        )
        plan = backup.BackupPlan(self, "Plan", backup_vault=vault)
        plan.add_rule(
            backup.BackupPlanRule(
                rule_name="daily",
                schedule_expression=events.Schedule.cron(hour="5", minute="0"),
                delete_after=Duration.days(35),
                copy_actions=[
                    backup.BackupPlanCopyActionProps(
                        destination_backup_vault=dr_vault, delete_after=Duration.days(35)
                    )
                ],
            )
        )
        plan.add_selection(
            "Database", resources=[backup.BackupResource.from_rds_database_instance(self.instance)]
        )
        self._restore_testing(config, vault)

    def _restore_testing(self, config: StageConfig, vault: backup.BackupVault) -> None:
        """AWS Backup restore testing: every week the newest recovery point is restored into a
        throwaway instance (isolated subnets, no public access) and deleted after validation."""
        role = iam.Role(
            self,
            "RestoreTestingRole",
            assumed_by=iam.ServicePrincipal("backup.amazonaws.com"),
            description="AWS Backup restore testing of the reminderly database",
        )
        rds_arn = f"arn:aws:rds:{self.region}:{self.account}"
        role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "rds:RestoreDBInstanceFromDBSnapshot",
                    "rds:DescribeDBInstances",
                    "rds:DeleteDBInstance",
                    "rds:AddTagsToResource",
                    "rds:DescribeDBSnapshots",
                ],
                resources=[
                    f"{rds_arn}:db:awsbackup-restore-test-*",
                    f"{rds_arn}:snapshot:awsbackup*",
                    f"{rds_arn}:subgrp:*",
                    f"{rds_arn}:pg:*",
                    f"{rds_arn}:og:*",
                ],
            )
        )
        # restoring an encrypted snapshot: RDS needs a grant on the key (named actions, no wildcards)
        role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "kms:Decrypt",
                    "kms:DescribeKey",
                    "kms:CreateGrant",
                    "kms:Encrypt",
                    "kms:GenerateDataKey",
                ],
                resources=[self.key.key_arn],
            )
        )
        plan = backup.CfnRestoreTestingPlan(
            self,
            "RestoreTestingPlan",
            restore_testing_plan_name=f"{config.prefix.replace('-', '_')}_restore_test",
            schedule_expression="cron(0 9 ? * SAT *)",
            start_window_hours=4,
            recovery_point_selection=backup.CfnRestoreTestingPlan.RestoreTestingRecoveryPointSelectionProperty(
                algorithm="LATEST_WITHIN_WINDOW",
                include_vaults=[vault.backup_vault_arn],
                recovery_point_types=["SNAPSHOT"],
                selection_window_days=7,
            ),
        )
        selection = backup.CfnRestoreTestingSelection(
            self,
            "RestoreTestingSelection",
            restore_testing_plan_name=plan.restore_testing_plan_name,
            restore_testing_selection_name="database",
            protected_resource_type="RDS",
            iam_role_arn=role.role_arn,
            protected_resource_arns=[self.instance.instance_arn],
            validation_window_hours=2,
            restore_metadata_overrides={
                "dbinstanceclass": "db.t4g.medium",
                "multiaz": "false",
                "publiclyaccessible": "false",
            },
        )
        selection.node.add_dependency(plan)
