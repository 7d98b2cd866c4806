"""The standby tier's database side in the DR region: what a failover restores into (subnet
group, security group, parameter group), and in prod the cross-region read replica itself.

prod keeps a replica (RPO: its replication lag, seconds; alarm replica-lag-high), encrypted
with the DR stack's key; a failover promotes it. Lower stages keep only the replicated
automated backups (database stack); a failover restores the newest restorable point into these
groups under the same instance name (deploy_contract.naming.dr_instance).
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from constructs import Construct

from cdk.config import StageConfig
from deploy_contract import naming
from stacks.database_stack import PARAMETERS
from stacks.parts.log_key import log_key
from stacks.parts.retention import kept, retention


def keeps_replica(config: StageConfig) -> bool:
    """prod's RPO (15 minutes) is at the edge of what replicated backups give: it keeps a replica."""
    return config.dr_replica


class StandbyDatabaseStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        vpc: ec2.IVpc,
        key: kms.IKey,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        stage = config.name
        engine = rds.DatabaseInstanceEngine.postgres(
            version=getattr(rds.PostgresEngineVersion, config.db_engine_version)
        )
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            allow_all_outbound=False,
            description="PostgreSQL in the DR region: reachable only from the standby tier tasks",
        )
        subnets = rds.SubnetGroup(
            self,
            "SubnetGroup",
            vpc=vpc,
            subnet_group_name=naming.dr_subnet_group(stage),
            description="The DR region's isolated subnets: where a failover restores the database",
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            removal_policy=kept(config),
        )
        parameters = rds.CfnDBParameterGroup(
            self,
            "Parameters",
            family=engine.parameter_group_family or "postgres18",
            db_parameter_group_name=naming.dr_parameter_group(stage),
            description="The primary's parameters (stacks/database_stack.py PARAMETERS)",
            parameters=PARAMETERS,
        )
        # read by `reminderly dr failover` (the restore's VpcSecurityGroupIds)
        CfnOutput(
            self,
            "SecurityGroupIdOutput",
            key="SecurityGroupId",
            value=self.security_group.security_group_id,
        )
        self.replica: rds.CfnDBInstance | None = None
        if keeps_replica(config):
            self.replica = self._replica(config, subnets, parameters, key)

    def _replica(
        self,
        config: StageConfig,
        subnets: rds.SubnetGroup,
        parameters: rds.CfnDBParameterGroup,
        key: kms.IKey,
    ) -> rds.CfnDBInstance:
        """A cross-region read replica of the primary (no L2 for that): the primary's class,
        storage, monitoring and logs; encrypted with the DR key; promoted by a failover."""
        name = naming.dr_instance(config.name)
        holder = Construct(self, "Postgres")
        logs_key = log_key(self, config)
        groups = [
            logs.LogGroup(
                self,
                f"{log.capitalize()}Logs",
                encryption_key=logs_key,
                log_group_name=f"/aws/rds/instance/{name}/{log}",
                retention=retention(config.log_retention_days),
                removal_policy=RemovalPolicy.RETAIN,
            )
            for log in ("postgresql", "upgrade")
        ]
        monitoring = iam.Role(
            holder,
            "MonitoringRole",
            assumed_by=iam.ServicePrincipal("monitoring.rds.amazonaws.com"),
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AmazonRDSEnhancedMonitoringRole"
                )
            ],
        )
        source = f"arn:aws:rds:{config.region}:{config.account}:db:{config.prefix}-postgres"
        replica = rds.CfnDBInstance(
            holder,
            "Resource",
            db_instance_identifier=name,
            source_db_instance_identifier=source,
            source_region=config.region,
            db_instance_class=f"db.{config.db_instance_type}",
            db_subnet_group_name=subnets.subnet_group_name,
            db_parameter_group_name=parameters.ref,
            vpc_security_groups=[self.security_group.security_group_id],
            kms_key_id=key.key_arn,
            storage_type="gp3",  # encrypted: a key id makes it so
            max_allocated_storage=config.db_max_allocated_storage_gib,
            multi_az=config.db_multi_az,
            publicly_accessible=False,
            deletion_protection=config.db_deletion_protection,
            backup_retention_period=config.db_backup_retention_days,
            copy_tags_to_snapshot=True,
            auto_minor_version_upgrade=False,
            enable_iam_database_authentication=True,
            enable_performance_insights=True,
            performance_insights_kms_key_id=key.key_arn,
            monitoring_interval=60,
            monitoring_role_arn=monitoring.role_arn,
            enable_cloudwatch_logs_exports=["postgresql", "upgrade"],
        )
        replica.apply_removal_policy(RemovalPolicy.SNAPSHOT)
        for group in groups:
            replica.node.add_dependency(group)  # type: ignore[arg-type]
        self.replica_lag_seconds = config.alarms.replica_lag_seconds
        self.replica_lag_period = Duration.minutes(1)
        return replica
