"""What every task of the service tier runs on: the ECS cluster, the image, the tasks' network
place, the database and link secrets, and the one way a task definition is made (`task`).

Secrets are imported by ARN, with the key's decrypt granted on the roles (the key policy trusts
the account's IAM): granting on the database stack's objects would make it refer back to this
stack's roles, a dependency cycle. The standby reads the replicas by name. A failed rotation of
any of them is watched here too (alarm secret-rotation-failed)."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from cdk.config import StageConfig
from deploy_contract import naming
from stacks import ROOT
from stacks.dr_stack import replication_key_alias
from stacks.parts.failure_rule import failure_rule
from stacks.parts.log_key import log_key
from stacks.parts.retention import kept, retention
from stacks.parts.unit import Unit, unit_blind_name

RDS_CA_BUNDLE = "/app/rds-ca/global-bundle.pem"  # the Dockerfile puts AWS's RDS CA bundle here
PG_FIELDS = {
    "PGHOST": "host",
    "PGPORT": "port",
    "PGDATABASE": "dbname",
    "PGUSER": "username",
    "PGPASSWORD": "password",
}


class Runtime(Unit):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        vpc: ec2.IVpc,
        database_secret_arn: str | None,
        database_key: kms.IKey,
        database_login_secret_arns: dict[str, str] | None,
        database_security_group: ec2.ISecurityGroup,
        standby: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        self.config, self.standby = config, standby
        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            vpc=vpc,
            container_insights_v2=ecs.ContainerInsights.ENABLED,
            cluster_name=naming.dr_cluster(config.name) if standby else None,
        )
        self.logs_key = log_key(self, config)
        self.image = ecr_assets.DockerImageAsset(
            self,
            "Image",
            directory=str(ROOT),
            file="Dockerfile",
            platform=ecr_assets.Platform.LINUX_ARM64,
            display_name="Image",  # the pipeline's publishing step, named as before the units
        )

        def imported(construct_id: str, name: str, arn: str | None) -> secretsmanager.ISecret:
            if standby or arn is None:
                return secretsmanager.Secret.from_secret_name_v2(self, construct_id, name)
            return secretsmanager.Secret.from_secret_complete_arn(self, construct_id, arn)

        # the master user's secret: read only by the bootstrap task (`reminderly db bootstrap`)
        self.master_secret = imported(
            "DatabaseSecret", naming.database_secret(config.name), database_secret_arn
        )
        arns = database_login_secret_arns or {}
        # one login per task: the API's, the worker's (and one-off commands'), the migrations'
        self.login_secrets = {
            login: imported(
                f"{login.capitalize()}LoginSecret",
                naming.database_login_secret(config.name, login),
                arns.get(login),
            )
            for login in naming.DATABASE_LOGINS
        }
        self.database_key = kms.Key.from_key_arn(self, "DatabaseKey", database_key.key_arn)
        # Signs the survey, review and unsubscribe links in messages. Not rotated on a schedule:
        # a new secret invalidates the links of every message already sent.
        if standby:  # the primary's secret, replicated here: links keep working after a failover
            link_secret = secretsmanager.Secret.from_secret_name_v2(
                self, "LinkSecret", naming.link_secret(config.name)
            )
        else:
            link_secret = self._link_secret()
        self.link_secret = ecs.Secret.from_secrets_manager(link_secret)
        # TLS to PostgreSQL verified against the RDS CA bundle baked into the image (Dockerfile):
        # the server's certificate and its name (a spoofed endpoint is refused)
        self.container_env = {
            "PGSSLMODE": "verify-full",
            "PGSSLROOTCERT": RDS_CA_BUNDLE,
            "REMINDERLY_STAGE": config.name,
        }
        self.subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
        self.security_group = ec2.SecurityGroup(
            self, "TaskSecurityGroup", vpc=vpc, description="reminderly API and worker tasks"
        )
        self.security_groups = [self.security_group]
        # PostgreSQL admits these tasks. The rule lives in this stack: made on the database's
        # group object it would sit in the database stack and point back here (a cycle).
        ec2.CfnSecurityGroupIngress(
            self,
            "DatabaseFromTasks",
            group_id=database_security_group.security_group_id,
            ip_protocol="tcp",
            from_port=5432,
            to_port=5432,
            source_security_group_id=self.security_group.security_group_id,
            description="PostgreSQL from reminderly tasks",
        )
        self.log_groups: dict[str, logs.LogGroup] = {}

    def _link_secret(self) -> secretsmanager.ISecret:
        config = self.config
        link_key = kms.Key(
            self,
            "LinkSecretKey",
            enable_key_rotation=True,
            description=f"{config.prefix}: encrypts the link-signing secret",
        )
        return secretsmanager.Secret(
            self,
            "LinkSecret",
            description=f"reminderly {config.name}: signs the links in messages",
            secret_name=naming.link_secret(config.name),
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=48, exclude_punctuation=True
            ),
            encryption_key=link_key,
            # links survive a failover: a copy in the DR region under the DR stack's key
            replica_regions=[
                secretsmanager.ReplicaRegion(
                    region=config.dr_region,
                    encryption_key=kms.Key.from_key_arn(
                        self,
                        "DrLinkSecretKey",
                        f"arn:aws:kms:{config.dr_region}:{config.account}:{replication_key_alias(config)}",
                    ),
                )
            ],
        )

    def task(
        self,
        scope: Construct,
        name: str,
        command: list[str],
        cpu: int,
        memory: int,
        port: int | None = None,
        environment: dict[str, str] | None = None,
        login: str | None = None,
        secrets: dict[str, ecs.Secret] | None = None,
    ) -> ecs.FargateTaskDefinition:
        """A task definition in `scope`, logged in to PostgreSQL as `login` (its secret as PG*,
        re-read by the process on a refused login), or given `secrets` (the bootstrap)."""
        task = ecs.FargateTaskDefinition(
            scope,
            f"{name}Task",
            cpu=cpu,
            memory_limit_mib=memory,
            family=unit_blind_name(scope, f"{name}Task"),  # as before the split into units
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.ARM64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        log_group = logs.LogGroup(
            scope,
            f"{name}Logs",
            retention=retention(self.config.log_retention_days),
            encryption_key=self.logs_key,
            removal_policy=kept(self.config),
        )
        self.log_groups[name] = log_group
        environment = {**self.container_env, **(environment or {})}
        if login is not None:
            secret = self.login_secrets[login]
            secrets = {
                key: ecs.Secret.from_secrets_manager(secret, field)
                for key, field in PG_FIELDS.items()
            }
            if login != "owner":  # the services sign links; the migrations do not
                secrets["REMINDERLY_LINK_SECRET"] = self.link_secret
            # read again by the process itself when its login is refused (a rotation)
            environment["REMINDERLY_DB_SECRET_ID"] = (
                secret.secret_name if self.standby else secret.secret_arn
            )
            secret.grant_read(task.task_role)
            self.database_key.grant_decrypt(task.task_role)
        container = task.add_container(
            name.lower(),
            image=ecs.ContainerImage.from_docker_image_asset(self.image),
            command=command,
            environment=environment,
            secrets=secrets or {},
            logging=ecs.LogDrivers.aws_logs(stream_prefix=name.lower(), log_group=log_group),
            stop_timeout=Duration.seconds(30),
            readonly_root_filesystem=True,
        )
        if port:
            container.add_port_mappings(ecs.PortMapping(container_port=port))
        self.database_key.grant_decrypt(task.obtain_execution_role())
        return task

    def service(
        self,
        scope: Construct,
        name: str,
        task: ecs.FargateTaskDefinition,
        desired: int,
        service_name: str | None = None,
    ) -> ecs.FargateService:
        """A private Fargate service that deploys with zero downtime and rolls back on failure."""
        return ecs.FargateService(
            scope,
            name,
            cluster=self.cluster,
            task_definition=task,
            service_name=service_name,
            desired_count=desired,
            min_healthy_percent=100,
            max_healthy_percent=200,
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            vpc_subnets=self.subnets,
            security_groups=self.security_groups,
            assign_public_ip=False,
        )

    def watch_rotations(self) -> events.Rule:
        """A Secrets Manager rotation that failed (or was abandoned) in this stage's account and
        region matches this rule: alarm secret-rotation-failed on its TriggeredRules. Secrets
        Manager reports them as CloudTrail service events, which EventBridge receives without a
        trail; the events are kept in a queue for diagnosis (which secret, which step)."""
        return failure_rule(
            self,
            "Rotation",
            config=self.config,
            rule_name=f"{self.config.prefix}-secret-rotation-failed",
            description="A Secrets Manager rotation failed (the database logins' and master's secrets)",
            pattern=events.EventPattern(
                source=["aws.secretsmanager"],
                detail_type=["AWS Service Event via CloudTrail"],
                detail={
                    "eventSource": ["secretsmanager.amazonaws.com"],
                    "eventName": ["RotationFailed", "RotationAbandoned"],
                },
            ),
            output_description="Events of failed secret rotations (runbooks/secret-rotation-failed.md)",
        )
