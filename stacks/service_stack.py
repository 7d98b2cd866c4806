"""Service: the API and the worker on ECS Fargate behind an HTTPS load balancer with WAF.

The front door is the Application Load Balancer with AWS WAF, not API Gateway: the API takes
CSV packets of up to 64 MiB streamed (API Gateway caps payloads at 10 MB and buffers them),
per-key rate limits live in the app where the key is known, and WAF adds managed rule groups
and a per-IP rate rule in front.

What comes back (SES and SMS events, inbound SMS) arrives through one encrypted SNS topic per
stage, subscribed over HTTPS to the API's signature-checking webhook; the links in messages are
signed with a generated secret both the API and the worker read.

Migrations run on every deploy as a one-off task started by a custom resource whose id is the
image's hash; new API tasks report ready (/v1/ready) only once the schema is current, and the
load balancer routes only to ready tasks, so a new version takes no traffic before it.

The same class builds the standby (pilot-light) tier in the DR region (`standby=True`): the same
image, task definitions and settings contract, both services at zero tasks in a named cluster,
the database and link secrets read from their replicas there, the DR region's own SES identity
and phone pool; no migrations on deploy (its database is prod's read replica, or absent until a
failover restores one); the SECONDARY failover record of the API's name (the primary's stack
holds the PRIMARY one with its health check: `_failover_record`).
"""

from __future__ import annotations

import json

from aws_cdk import CfnOutput, Duration, Fn, SecretValue, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from aws_cdk import aws_wafv2 as wafv2
from aws_cdk import custom_resources as cr
from aws_cdk.aws_applicationautoscaling import MetricAggregationType, ScalingInterval
from aws_cdk.aws_cloudwatch import Metric
from constructs import Construct

from cdk.config import StageConfig
from deploy_contract import metrics as M
from deploy_contract import naming
from stacks import ROOT
from stacks.dr_stack import replication_key_alias
from stacks.parts.log_key import log_key
from stacks.parts.retention import kept, retention

PORT = 8080
RDS_CA_BUNDLE = "/app/rds-ca/global-bundle.pem"  # the Dockerfile puts AWS's RDS CA bundle here
PG_FIELDS = {"PGHOST": "host", "PGPORT": "port", "PGDATABASE": "dbname", "PGUSER": "username",
             "PGPASSWORD": "password"}  # fmt: skip
BOOTSTRAP_PASSWORDS = {"owner": "REMINDERLY_OWNER_PASSWORD", "api": "REMINDERLY_API_LOGIN_PASSWORD",
                       "worker": "REMINDERLY_WORKER_LOGIN_PASSWORD"}  # fmt: skip
BOOTSTRAP_VERSION = 1  # raise it to run `reminderly db bootstrap` again on the next deploy


class ServiceStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        vpc: ec2.IVpc,
        database_secret_arn: str | None,
        database_key: kms.IKey,
        database_login_secret_arns: dict[str, str] | None = None,
        database_security_group: ec2.ISecurityGroup,
        standby: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        self.standby = standby
        self.cluster = ecs.Cluster(
            self, "Cluster", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENABLED,
            cluster_name=naming.dr_cluster(config.name) if standby else None,
        )  # fmt: skip
        self.logs_key = log_key(self, config)
        self.image = ecr_assets.DockerImageAsset(
            self,
            "Image",
            directory=str(ROOT),
            file="Dockerfile",
            platform=ecr_assets.Platform.LINUX_ARM64,
        )

        # Imported by ARN, with the key's decrypt granted on the roles (the key policy trusts
        # the account's IAM): granting on the database stack's objects would make it refer back
        # to this stack's roles, a dependency cycle. The standby reads the replicas by name.
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
            login: imported(f"{login.capitalize()}LoginSecret", naming.database_login_secret(config.name, login),
                            arns.get(login))
            for login in naming.DATABASE_LOGINS
        }  # fmt: skip
        self.database_key = kms.Key.from_key_arn(self, "DatabaseKey", database_key.key_arn)
        # Signs the survey, review and unsubscribe links in messages. Not rotated on a schedule:
        # a new secret invalidates the links of every message already sent.
        if standby:  # the primary's secret, replicated here: links keep working after a failover
            link_secret = secretsmanager.Secret.from_secret_name_v2(
                self, "LinkSecret", naming.link_secret(config.name)
            )
        else:
            link_secret = self._link_secret(config)
        self.link_secret = ecs.Secret.from_secrets_manager(link_secret)
        self._build(config, vpc, database_security_group)

    def _link_secret(self, config: StageConfig) -> secretsmanager.ISecret:
        link_key = kms.Key(self, "LinkSecretKey", enable_key_rotation=True,
                           description=f"{config.prefix}: encrypts the link-signing secret")  # fmt: skip
        return secretsmanager.Secret(
            self, "LinkSecret", description=f"reminderly {config.name}: signs the links in messages",
            secret_name=naming.link_secret(config.name),
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=48, exclude_punctuation=True),
            encryption_key=link_key,
            # links survive a failover: a copy in the DR region under the DR stack's key
            replica_regions=[secretsmanager.ReplicaRegion(region=config.dr_region, encryption_key=kms.Key.from_key_arn(
                self, "DrLinkSecretKey",
                f"arn:aws:kms:{config.dr_region}:{config.account}:{replication_key_alias(config)}"))],
        )  # fmt: skip

    def _build(self, config: StageConfig, vpc: ec2.IVpc, database_security_group) -> None:
        standby = self.standby
        # TLS to PostgreSQL verified against the RDS CA bundle baked into the image (Dockerfile):
        # the server's certificate and its name (a spoofed endpoint is refused)
        self.container_env = {"PGSSLMODE": "verify-full", "PGSSLROOTCERT": RDS_CA_BUNDLE,
                              "REMINDERLY_STAGE": config.name}  # fmt: skip
        app_subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
        self.task_security_group = ec2.SecurityGroup(
            self, "TaskSecurityGroup", vpc=vpc, description="reminderly API and worker tasks"
        )
        groups = [self.task_security_group]
        # PostgreSQL admits these tasks. The rule lives in this stack: made on the database's
        # group object it would sit in the database stack and point back here (a cycle).
        ec2.CfnSecurityGroupIngress(
            self, "DatabaseFromTasks", group_id=database_security_group.security_group_id, ip_protocol="tcp",
            from_port=5432, to_port=5432, source_security_group_id=self.task_security_group.security_group_id,
            description="PostgreSQL from reminderly tasks",
        )  # fmt: skip

        # behind the load balancer: the client's address is the one it added to X-Forwarded-For
        # (the per-address limits before authentication count clients, not the ALB)
        api_task = self._task("Api", ["gunicorn", "-c", "python:app_service.gunicorn_conf", "app_service.api:create_app()"],
                              config.api_cpu, config.api_memory_mib, port=PORT, login="api",
                              environment={"REMINDERLY_PROXY_HOPS": "1"})  # fmt: skip
        self.api_task = api_task
        ses_identity, configuration_set, sms_pool = config.sending(standby)
        worker_task = self._task(
            "Worker", ["reminderly", "worker", "--channel", "aws"], 512, 1024, login="worker",
            environment={
                "REMINDERLY_SES_FROM": f"Reminders <no-reply@{ses_identity}>",
                "REMINDERLY_SES_CONFIGURATION_SET": configuration_set,
                "REMINDERLY_SMS_ORIGINATION": sms_pool,
                "REMINDERLY_SMS_CONFIGURATION_SET": configuration_set,
                "REMINDERLY_SMS_RATE": str(config.sms_per_second),
                "REMINDERLY_EMAIL_RATE": str(config.email_per_second),
                "REMINDERLY_INFLIGHT": str(config.worker_inflight),
                # the second SMS route is the primary region's (origination identities are regional)
                **({} if standby or not config.sms_secondary_origination else {
                    "REMINDERLY_SMS_SECONDARY_ORIGINATION": config.sms_secondary_origination,
                    "REMINDERLY_SMS_ROUTE_FAILURE_SHARE": str(config.sms_route_failure_share),
                    "REMINDERLY_SMS_ROUTE_SECONDS": str(config.sms_route_seconds),
                }),
            },
        )  # fmt: skip
        self.worker_task = worker_task
        self.worker_role = worker_task.task_role
        self._grant_sending(worker_task.task_role, ses_identity, configuration_set, sms_pool)
        if not standby:
            self._publish_last_write(worker_task)
        # the first deploy's migration may start before the bootstrap created its login: it waits
        migrate_task = self._task("Migrate", ["reminderly", "db", "migrate", "--wait-for-login", "900"],
                                  256, 512, login="owner")  # fmt: skip
        bootstrap_task = self._bootstrap_task()

        api_name, worker_name = naming.DR_SERVICES if standby else (None, None)
        self.api = self._service("ApiService", api_task, 0 if standby else config.api_min_tasks,
                                 app_subnets, groups, api_name)  # fmt: skip
        self.worker = self._service("WorkerService", worker_task, 0 if standby else config.worker_min_tasks,
                                    app_subnets, groups, worker_name)  # fmt: skip
        self.app_subnets, self.task_groups = app_subnets, groups
        if not standby:  # the standby's database is a read replica, or absent until a failover
            bootstrap = self._run_once(bootstrap_task, app_subnets, groups)
            self._run_migrations_on_deploy(migrate_task, app_subnets, groups, after=bootstrap)
        self.migration_failures = self._watch_migrations(migrate_task)
        self.rotation_failures = self._watch_rotations()
        self.zone = None if standby else self._zone()
        self.load_balancer = self._front_door(vpc)
        self._autoscaling()
        # the stage's own name, on which the certificate is valid: links in messages, the SNS
        # subscription and integrators use it, never the load balancer's generated name
        public_url = f"https://{config.domain_name}"
        self.api_url = CfnOutput(
            self, "ApiUrl", value=public_url,
            description="Base URL of the API (the smoke test and integrators use it)",
        )  # fmt: skip
        for task in (api_task, worker_task):
            task.default_container.add_environment("REMINDERLY_PUBLIC_URL", public_url)
        # what scripts/stage-run.sh needs to run a one-off `reminderly ...` in the stage (runbooks)
        for key, value, what in [
            ("ClusterName", self.cluster.cluster_name, "the ECS cluster"),
            ("WorkerTaskDefinition", worker_task.task_definition_arn, "one-off reminderly commands run as this"),
            ("WorkerServiceName", self.worker.service_name, "its network settings are the one-off task's"),
            ("WorkerLogGroup", self.log_groups["Worker"].log_group_name, "the worker's (and one-off commands') logs"),
        ]:  # fmt: skip
            CfnOutput(self, f"{key}Output", key=key, value=value, description=what)
        self.inbound_topic = self._inbound(public_url)
        if standby:  # where `reminderly dr failover|failback` records its progress (resumable)
            ssm.StringParameter(
                self, "FailoverState", parameter_name=naming.failover_state(config.name),
                description="Progress of the last dr failover/failback (JSON; written by reminderly dr)",
                string_value=json.dumps({"plan": None, "status": "standby", "done": [], "data": {}}),
            )  # fmt: skip
        api_task.default_container.add_environment(
            "REMINDERLY_SNS_TOPICS", self.inbound_topic.topic_arn
        )

    def _service(
        self, name: str, task: ecs.FargateTaskDefinition, desired: int, subnets, groups,
        service_name: str | None = None,
    ) -> ecs.FargateService:  # fmt: skip
        """A private Fargate service that deploys with zero downtime and rolls back on failure."""
        return ecs.FargateService(
            self, name, cluster=self.cluster, task_definition=task, service_name=service_name,
            desired_count=desired, min_healthy_percent=100, max_healthy_percent=200,
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            vpc_subnets=subnets, security_groups=groups, assign_public_ip=False,
        )  # fmt: skip

    def _bootstrap_task(self) -> ecs.FargateTaskDefinition:
        """`reminderly db bootstrap`: the only task that reads the master user's secret; it also
        gets each login's first password (the logins' secrets, AWSCURRENT at its start)."""
        db = {
            key: ecs.Secret.from_secrets_manager(self.master_secret, field)
            for key, field in PG_FIELDS.items()
        }
        firsts = {variable: ecs.Secret.from_secrets_manager(self.login_secrets[login], "password")
                  for login, variable in BOOTSTRAP_PASSWORDS.items()}  # fmt: skip
        return self._task(
            "Bootstrap", ["reminderly", "db", "bootstrap"], 256, 512, secrets={**db, **firsts}
        )

    def _task(self, name: str, command: list[str], cpu: int, memory: int, port: int | None = None,
              environment: dict[str, str] | None = None, login: str | None = None,
              secrets: dict[str, ecs.Secret] | None = None):  # fmt: skip
        """A task definition logged in to PostgreSQL as `login` (its secret as PG*, re-read by
        the process on a refused login), or given `secrets` (the bootstrap)."""
        task = ecs.FargateTaskDefinition(
            self, f"{name}Task", cpu=cpu, memory_limit_mib=memory,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.ARM64, operating_system_family=ecs.OperatingSystemFamily.LINUX),
        )  # fmt: skip
        log_group = logs.LogGroup(
            self, f"{name}Logs", retention=retention(self.config.log_retention_days), encryption_key=self.logs_key,
            removal_policy=kept(self.config),
        )  # fmt: skip
        self.log_groups = {**getattr(self, "log_groups", {}), name: log_group}
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
            name.lower(), image=ecs.ContainerImage.from_docker_image_asset(self.image), command=command,
            environment=environment, secrets=secrets or {},
            logging=ecs.LogDrivers.aws_logs(stream_prefix=name.lower(), log_group=log_group),
            stop_timeout=Duration.seconds(30), readonly_root_filesystem=True,
        )  # fmt: skip
        if port:
            container.add_port_mappings(ecs.PortMapping(container_port=port))
        self.database_key.grant_decrypt(task.obtain_execution_role())
        return task

    def _inbound(self, public_url: str) -> sns.Topic:
        """The topic SES (configuration set event destination) and End User Messaging SMS (event
        destination, two-way SMS) publish to, delivered to the API over HTTPS. Encrypted with
        a key those two services may use, TLS-only, publishable only by them for this account."""
        key = kms.Key(self, "InboundKey", enable_key_rotation=True,
                      description="Encrypts the inbound events topic (SES and SMS events, replies)")  # fmt: skip
        publishers = [
            iam.ServicePrincipal("ses.amazonaws.com"),
            iam.ServicePrincipal("sms-voice.amazonaws.com"),
        ]
        key.add_to_resource_policy(iam.PolicyStatement(
            actions=["kms:GenerateDataKey*", "kms:Decrypt"], principals=publishers, resources=["*"],
            conditions={"StringEquals": {"aws:SourceAccount": self.account}},
        ))  # fmt: skip
        # SNS itself writes what it could not deliver into the dead-letter queue (same key)
        key.add_to_resource_policy(iam.PolicyStatement(
            actions=["kms:GenerateDataKey*", "kms:Decrypt"], principals=[iam.ServicePrincipal("sns.amazonaws.com")],
            resources=["*"], conditions={"StringEquals": {"aws:SourceAccount": self.account}},
        ))  # fmt: skip
        # Deliveries SNS gave up on (the API down past the retries): kept 14 days, alarmed on
        # (inbound-delivery-failures); a lost STOP reply is a compliance problem.
        self.inbound_dlq = sqs.Queue(
            self, "InboundDeadLetters", queue_name=f"{self.config.prefix}-inbound-dlq",
            encryption=sqs.QueueEncryption.KMS, encryption_master_key=key, enforce_ssl=True,
            retention_period=Duration.days(14),
        )  # fmt: skip
        topic = sns.Topic(
            self,
            "Inbound",
            topic_name=f"{self.config.prefix}-inbound",
            master_key=key,
            enforce_ssl=True,
        )
        topic.add_to_resource_policy(iam.PolicyStatement(
            actions=["sns:Publish"], principals=publishers, resources=[topic.topic_arn],
            conditions={"StringEquals": {"aws:SourceAccount": self.account}},
        ))  # fmt: skip
        topic.add_subscription(subscriptions.UrlSubscription(
            f"{public_url}/v1/webhooks/sns", protocol=sns.SubscriptionProtocol.HTTPS,
            dead_letter_queue=self.inbound_dlq))  # fmt: skip
        CfnOutput(self, "InboundTopicArn", value=topic.topic_arn,
                  description="Point the SES configuration set's and the SMS configuration set's event "
                              "destinations, and two-way SMS of the phone pool, at this topic")  # fmt: skip
        return topic

    def _grant_sending(self, role: iam.IRole, ses_identity: str, configuration_set: str,
                       sms_pool: str) -> None:  # fmt: skip
        """The worker sends email through SES with its configuration set, and SMS through End
        User Messaging from the stage's numbers: those actions on those resources only."""
        arn = f"arn:aws:{{}}:{self.region}:{self.account}:{{}}"
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["ses:SendEmail", "ses:SendRawEmail"],
            resources=[arn.format("ses", f"identity/{ses_identity}"),
                       arn.format("ses", f"configuration-set/{configuration_set}")],
        ))  # fmt: skip
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["sms-voice:SendTextMessage"],
            # the standby sends from the DR region's pool only: per-account pools are regional
            # and not registered there (their accounts send from the shared pool after a failover)
            resources=[arn.format("sms-voice", f"pool/{pool}")
                       for pool in (sms_pool, *(() if self.standby else self.config.account_sms_pool_ids))]
                      + ([] if self.standby or not self.config.sms_secondary_origination
                         else [_origination_arn(arn, self.config.sms_secondary_origination)]),
        ))  # fmt: skip
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["ses:GetAccount"], resources=["*"],  # MaxSendRate, read at start; no resource form
        ))  # fmt: skip
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["cloudwatch:PutMetricData"], resources=["*"],
            conditions={"StringEquals": {"cloudwatch:namespace": M.APP_NAMESPACE}},
        ))  # fmt: skip

    def _publish_last_write(self, task: ecs.FargateTaskDefinition) -> None:
        """The primary's workers put their newest committed heartbeat into the DR region's
        parameter (the DR stack's), which the drill there reads (app_service/ops/write_marker.py)."""
        c = self.config
        parameter = naming.last_write_parameter(c.name)
        task.default_container.add_environment("REMINDERLY_LAST_WRITE_PARAMETER", parameter)
        task.default_container.add_environment("REMINDERLY_DR_REGION", c.dr_region)
        task.task_role.add_to_principal_policy(iam.PolicyStatement(
            actions=["ssm:PutParameter"], resources=[f"arn:aws:ssm:{c.dr_region}:{c.account}:parameter{parameter}"],
        ))  # fmt: skip

    def _run_once(self, task: ecs.FargateTaskDefinition, subnets, groups) -> cr.AwsCustomResource:
        """Start the bootstrap task when the stack is created (and when BOOTSTRAP_VERSION changes);
        it is idempotent, so a re-run is safe too (scripts/stage-run.sh, runbooks)."""
        return self._start_task(
            "BootstrapOnCreate", task, subnets, groups, f"bootstrap-{BOOTSTRAP_VERSION}"
        )

    def _start_task(self, construct_id: str, task: ecs.FargateTaskDefinition, subnets, groups,
                    physical_id: str) -> cr.AwsCustomResource:  # fmt: skip
        vpc_subnets = self.cluster.vpc.select_subnets(subnet_type=subnets.subnet_type).subnet_ids
        run_task = cr.AwsSdkCall(
            service="ECS", action="runTask",
            parameters={
                "cluster": self.cluster.cluster_name, "taskDefinition": task.task_definition_arn,
                "launchType": "FARGATE", "count": 1,
                "networkConfiguration": {"awsvpcConfiguration": {
                    "subnets": vpc_subnets, "securityGroups": [g.security_group_id for g in groups],
                    "assignPublicIp": "DISABLED"}},
            },
            physical_resource_id=cr.PhysicalResourceId.of(physical_id),
        )  # fmt: skip
        return cr.AwsCustomResource(
            self, construct_id, on_create=run_task, on_update=run_task,
            policy=cr.AwsCustomResourcePolicy.from_statements([
                iam.PolicyStatement(actions=["ecs:RunTask"], resources=[task.task_definition_arn]),
                iam.PolicyStatement(actions=["iam:PassRole"],
                                    resources=[task.task_role.role_arn, task.obtain_execution_role().role_arn]),
            ]),
            install_latest_aws_sdk=False,
        )  # fmt: skip

    def _run_migrations_on_deploy(self, task: ecs.FargateTaskDefinition, subnets, groups,
                                  after: cr.AwsCustomResource) -> None:  # fmt: skip
        migrate = self._start_task(
            "MigrateOnDeploy", task, subnets, groups, f"migrate-{self.image.asset_hash}"
        )
        migrate.node.add_dependency(after)
        self.api.node.add_dependency(migrate)
        self.worker.node.add_dependency(migrate)

    def _watch_migrations(self, task: ecs.FargateTaskDefinition) -> events.Rule:
        """A migration task that exits non-zero or cannot start matches this rule (alarm
        migration-failed on its TriggeredRules); the events are kept in a queue for diagnosis."""
        failures = sqs.Queue(
            self, "MigrationFailures", queue_name=f"{self.config.prefix}-migration-failures",
            encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True, retention_period=Duration.days(14),
        )  # fmt: skip
        rule = events.Rule(
            self, "MigrationFailed", rule_name=f"{self.config.prefix}-migration-failed",
            description="The one-off `reminderly db migrate` task stopped with a failure",
            event_pattern=events.EventPattern(
                source=["aws.ecs"], detail_type=["ECS Task State Change"],
                detail={
                    "clusterArn": [self.cluster.cluster_arn],
                    "taskDefinitionArn": [task.task_definition_arn],
                    "lastStatus": ["STOPPED"],
                    "$or": [{"containers": {"exitCode": [{"anything-but": 0}]}},
                            {"stopCode": ["TaskFailedToStart"]}],
                },
            ),
            targets=[events_targets.SqsQueue(failures)],
        )  # fmt: skip
        CfnOutput(self, "MigrationFailuresQueue", key="MigrationFailuresQueue", value=failures.queue_url,
                  description="Events of failed migration tasks (runbooks/migration-failed.md)")  # fmt: skip
        return rule

    def _watch_rotations(self) -> events.Rule:
        """A Secrets Manager rotation that failed (or was abandoned) in this stage's account and
        region matches this rule: alarm secret-rotation-failed on its TriggeredRules. Secrets
        Manager reports them as CloudTrail service events, which EventBridge receives without a
        trail; the events are kept in a queue for diagnosis (which secret, which step)."""
        failures = sqs.Queue(
            self, "RotationFailures", queue_name=f"{self.config.prefix}-rotation-failures",
            encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True, retention_period=Duration.days(14),
        )  # fmt: skip
        rule = events.Rule(
            self, "RotationFailed", rule_name=f"{self.config.prefix}-secret-rotation-failed",
            description="A Secrets Manager rotation failed (the database logins' and master's secrets)",
            event_pattern=events.EventPattern(
                source=["aws.secretsmanager"], detail_type=["AWS Service Event via CloudTrail"],
                detail={"eventSource": ["secretsmanager.amazonaws.com"],
                        "eventName": ["RotationFailed", "RotationAbandoned"]},
            ),
            targets=[events_targets.SqsQueue(failures)],
        )  # fmt: skip
        CfnOutput(self, "RotationFailuresQueue", key="RotationFailuresQueue", value=failures.queue_url,
                  description="Events of failed secret rotations (runbooks/secret-rotation-failed.md)")  # fmt: skip
        return rule

    def _zone(self) -> route53.IHostedZone:
        """The stage's public zone: imported when its id is configured, else created here
        (retained outside dev; delegate it from the parent zone before the first deploy
        completes, or the certificate's DNS validation waits)."""
        c = self.config
        if c.hosted_zone_id:
            return route53.HostedZone.from_hosted_zone_attributes(
                self, "Zone", hosted_zone_id=c.hosted_zone_id, zone_name=c.hosted_zone_name
            )
        zone = route53.PublicHostedZone(
            self, "Zone", zone_name=c.hosted_zone_name,
            comment=f"reminderly {c.name}: the API's public name",
        )  # fmt: skip
        zone.apply_removal_policy(kept(c))
        CfnOutput(self, "ZoneNameServers", value=Fn.join(",", zone.hosted_zone_name_servers),
                  description=f"Delegate {c.hosted_zone_name} to these name servers (NS record in the parent zone)")  # fmt: skip
        return zone

    def _front_door(self, vpc: ec2.IVpc) -> elbv2.ApplicationLoadBalancer:
        logs_bucket = s3.Bucket(
            self, "AccessLogs", encryption=s3.BucketEncryption.S3_MANAGED, enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL, object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,  # an overwritten or deleted log object stays recoverable until expiry
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(self.config.log_retention_days),
                                              noncurrent_version_expiration=Duration.days(self.config.log_retention_days))],
            removal_policy=kept(self.config),
            auto_delete_objects=False,
        )  # fmt: skip
        alb = elbv2.ApplicationLoadBalancer(
            self, "LoadBalancer", vpc=vpc, internet_facing=True, drop_invalid_header_fields=True,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
        )  # fmt: skip
        alb.log_access_logs(logs_bucket, prefix="alb")
        # the standby's certificate (ACM is regional) validates through the CNAME the primary's
        # put in the zone: ACM's validation record is the same per name and account in every region
        certificate = acm.Certificate(
            self, "Certificate", domain_name=self.config.domain_name,
            validation=acm.CertificateValidation.from_dns(self.zone),
        )  # fmt: skip
        https = alb.add_listener(
            "Https", port=443, protocol=elbv2.ApplicationProtocol.HTTPS,
            certificates=[elbv2.ListenerCertificate.from_certificate_manager(certificate)],
            ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
        )  # fmt: skip
        self._failover_record(alb)
        # the load balancer behind the name (the runbooks' checks; `dr failover` compares the
        # SECONDARY record against the standby's)
        for key, value in [("LoadBalancerDnsName", alb.load_balancer_dns_name),
                           ("LoadBalancerZoneId", alb.load_balancer_canonical_hosted_zone_id),
                           ("DomainName", self.config.domain_name),
                           ("HostedZoneName", self.config.hosted_zone_name)]:  # fmt: skip
            CfnOutput(self, f"{key}Output", key=key, value=value)
        # No plain-HTTP listener, not even a redirect: an API key sent over HTTP would already
        # have crossed the network in clear; clients must use https:// (port 80 stays closed).
        self.target_group = https.add_targets(
            "Api", port=PORT, protocol=elbv2.ApplicationProtocol.HTTP, targets=[self.api],
            health_check=elbv2.HealthCheck(path="/v1/ready", healthy_http_codes="200",
                                           interval=Duration.seconds(15), healthy_threshold_count=2),
            deregistration_delay=Duration.seconds(30),
        )  # fmt: skip
        if self.config.sso is not None:
            self._sso(https, alb)
        self._waf(alb)
        return alb

    def _sso(self, https: elbv2.ApplicationListener, alb: elbv2.ApplicationLoadBalancer) -> None:
        """Single sign-on for the console: the load balancer's authenticate-oidc guards only
        /login/sso, then forwards with x-amzn-oidc-data, which the app verifies against this
        load balancer's ARN and the provider's issuer (app_service/people/sso.py)."""
        sso = self.config.sso
        https.add_action(
            "ConsoleSso", priority=10,
            conditions=[elbv2.ListenerCondition.path_patterns(["/login/sso"])],
            action=elbv2.ListenerAction.authenticate_oidc(
                issuer=sso.issuer, authorization_endpoint=sso.authorization_endpoint,
                token_endpoint=sso.token_endpoint, user_info_endpoint=sso.user_info_endpoint,
                client_id=sso.client_id,
                client_secret=SecretValue.secrets_manager(sso.client_secret_name),
                scope="openid email", session_timeout=Duration.hours(8),
                on_unauthenticated_request=elbv2.UnauthenticatedAction.AUTHENTICATE,
                next=elbv2.ListenerAction.forward([self.target_group]),
            ),
        )  # fmt: skip
        container = self.api_task.default_container
        container.add_environment("REMINDERLY_SSO_ISSUER", sso.issuer)
        container.add_environment("REMINDERLY_SSO_ALB_ARN", alb.load_balancer_arn)

    def _failover_record(self, alb: elbv2.ApplicationLoadBalancer) -> None:
        """The API's name as Route 53 failover alias records: PRIMARY (this load balancer in
        the primary region) answers while its calculated health check is healthy, SECONDARY
        (the standby's, made by the dr-service stack) otherwise, and only while the standby's
        load balancer has a ready target (EvaluateTargetHealth): when both are unhealthy Route
        53 answers the primary. So the name moves by itself only once a failover has made the
        standby ready; `reminderly dr failover` then pins it there (the calculated check's
        threshold above its one child: always unhealthy) and `dr failback` unpins it."""
        c = self.config

        def record(name: str, role: str, **kwargs) -> route53.CfnRecordSet:
            return route53.CfnRecordSet(
                self, name, name=f"{c.domain_name}.", type="A", failover=role,
                set_identifier=naming.FAILOVER_PRIMARY if role == "PRIMARY" else naming.FAILOVER_SECONDARY,
                alias_target=route53.CfnRecordSet.AliasTargetProperty(
                    dns_name=Fn.join("", ["dualstack.", alb.load_balancer_dns_name]),
                    hosted_zone_id=alb.load_balancer_canonical_hosted_zone_id, evaluate_target_health=True),
                **kwargs,
            )  # fmt: skip

        if self.standby:  # the zone lives in the primary stack: named here, not referenced
            record("FailoverSecondary", "SECONDARY", hosted_zone_name=f"{c.hosted_zone_name}.")
            return
        assert self.zone is not None
        # the primary's own load balancer, by its AWS name (never the API's name, which would
        # follow the failover): its readiness, as Route 53's checkers around the world see it
        ready = route53.HealthCheck(
            self, "PrimaryReadyCheck", type=route53.HealthCheckType.HTTPS, fqdn=alb.load_balancer_dns_name,
            port=443, resource_path="/v1/ready", enable_sni=True, request_interval=Duration.seconds(30),
            failure_threshold=3,
        )  # fmt: skip
        active = route53.HealthCheck(
            self, "PrimaryActiveCheck", type=route53.HealthCheckType.CALCULATED,
            child_health_checks=[ready], health_threshold=1,
        )  # fmt: skip
        record("Alias", "PRIMARY", hosted_zone_id=self.zone.hosted_zone_id,
               health_check_id=active.health_check_id)  # fmt: skip
        CfnOutput(self, "PrimaryActiveCheckOutput", key="PrimaryActiveCheck", value=active.health_check_id,
                  description="The PRIMARY record's calculated health check (dr failover pins it unhealthy)")  # fmt: skip

    def _waf(self, alb: elbv2.ApplicationLoadBalancer) -> None:
        """Managed rule groups and a per-IP rate rule. The core rule set's SizeRestrictions_BODY
        (bodies over 8 KB) only counts, and `body-size-except-upload-routes` blocks on its label
        for every request but the three whose bodies are legitimately large: the API's packet
        upload (up to 64 MiB of CSV or JSON), the dashboard's CSV upload (16 MiB) and the SNS
        webhook (SES event notifications carry the mail's headers, up to SNS's 256 KB). Those
        three are exempt from the size rule; everything else stays protected by it, and the
        app bounds each route's body itself (api/hooks.py)."""

        def managed(name: str, priority: int, **group) -> wafv2.CfnWebACL.RuleProperty:
            return wafv2.CfnWebACL.RuleProperty(
                name=name, priority=priority, override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                    vendor_name="AWS", name=name, **group)),
                visibility_config=_visibility(name),
            )  # fmt: skip

        rate = wafv2.CfnWebACL.RuleProperty(
            name="per-ip-rate-limit", priority=0, action=wafv2.CfnWebACL.RuleActionProperty(block={}),
            statement=wafv2.CfnWebACL.StatementProperty(rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=self.config.waf_rate_limit_per_5_min, aggregate_key_type="IP")),
            visibility_config=_visibility("per-ip-rate-limit"),
        )  # fmt: skip
        core = managed("AWSManagedRulesCommonRuleSet", 1, rule_action_overrides=[
            wafv2.CfnWebACL.RuleActionOverrideProperty(
                name=SIZE_RULE, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={}))])  # fmt: skip
        acl = wafv2.CfnWebACL(
            self, "WebAcl", scope="REGIONAL", default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(f"{self.config.prefix}-web-acl"),
            rules=[rate, core, _body_size_except_upload_routes(2),
                   managed("AWSManagedRulesKnownBadInputsRuleSet", 3),
                   managed("AWSManagedRulesAmazonIpReputationList", 4), managed("AWSManagedRulesSQLiRuleSet", 5)],
        )  # fmt: skip
        wafv2.CfnWebACLAssociation(
            self, "WebAclAssociation", resource_arn=alb.load_balancer_arn, web_acl_arn=acl.attr_arn
        )

    def _autoscaling(self) -> None:
        """The standby scales from zero: a failover raises the minimum to the stage's."""
        api = self.api.auto_scale_task_count(
            min_capacity=0 if self.standby else self.config.api_min_tasks,
            max_capacity=self.config.api_max_tasks,
        )
        api.scale_on_cpu_utilization("Cpu", target_utilization_percent=60)
        api.scale_on_request_count(
            "Requests", requests_per_target=500, target_group=self.target_group
        )
        worker = self.worker.auto_scale_task_count(
            min_capacity=0 if self.standby else self.config.worker_min_tasks,
            max_capacity=self.config.worker_tasks_for_rate,
        )
        # The worker scales on the backlog against the rate it achieves, not on CPU: the
        # expected drain time (ready messages / messages sent per second, published by every
        # worker). Over 2 minutes of backlog adds tasks, under 30 s removes one; never beyond
        # the tasks the provider rates can use (more would only wait for tokens).
        drain = Metric(
            namespace=M.APP_NAMESPACE, metric_name=M.EXPECTED_DRAIN, statistic="Maximum",
            period=Duration.minutes(1), dimensions_map={M.STAGE_DIMENSION: self.config.name},
        )  # fmt: skip
        worker.scale_on_metric(
            "ExpectedDrainTime", metric=drain, adjustment_type=None,
            metric_aggregation_type=MetricAggregationType.MAXIMUM, cooldown=Duration.minutes(2),
            scaling_steps=[ScalingInterval(upper=30, change=-1), ScalingInterval(lower=120, change=+1),
                           ScalingInterval(lower=600, change=+3)],
        )  # fmt: skip


def _origination_arn(arn: str, identity: str) -> str:
    """The IAM resource of an End User Messaging origination identity given as an ARN, a pool
    id or a phone number id."""
    if identity.startswith("arn:"):
        return identity
    for prefix, kind in (("pool-", "pool"), ("phone-", "phone-number")):
        if identity.startswith(prefix):
            return arn.format("sms-voice", f"{kind}/{identity}")
    raise ValueError(
        f"sms_secondary_origination {identity!r}: give an ARN, a pool id or a phone number id"
    )


SIZE_RULE = "SizeRestrictions_BODY"
SIZE_LABEL = "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"
# POST /v1/campaigns/{campaign_id}/packets (createPacket): the only route exempt from the size rule
UPLOAD_METHOD = "POST"
# createPacket (the API), the dashboard's upload form, receiveSnsMessage: the routes exempt from
# the size rule, each POST only, each path whole (anchored)
UPLOAD_ROUTES = (r"/v1/campaigns/[0-9]+/packets", r"/campaigns/[0-9]+/packets", r"/v1/webhooks/sns")
UPLOAD_PATH = "^(" + "|".join(UPLOAD_ROUTES) + ")$"


def _body_size_except_upload_routes(priority: int) -> wafv2.CfnWebACL.RuleProperty:
    """Block what the core rule set's size rule labelled, unless it is a POST to one of the
    upload routes."""
    s = wafv2.CfnWebACL.StatementProperty
    none = [wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")]
    upload = s(and_statement=wafv2.CfnWebACL.AndStatementProperty(statements=[
        s(byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(method={}), positional_constraint="EXACTLY",
            search_string=UPLOAD_METHOD, text_transformations=none)),
        s(regex_match_statement=wafv2.CfnWebACL.RegexMatchStatementProperty(
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}), regex_string=UPLOAD_PATH,
            text_transformations=none)),
    ]))  # fmt: skip
    return wafv2.CfnWebACL.RuleProperty(
        name="body-size-except-upload-routes", priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=s(and_statement=wafv2.CfnWebACL.AndStatementProperty(statements=[
            s(label_match_statement=wafv2.CfnWebACL.LabelMatchStatementProperty(scope="LABEL", key=SIZE_LABEL)),
            s(not_statement=wafv2.CfnWebACL.NotStatementProperty(statement=upload)),
        ])),
        visibility_config=_visibility("body-size-except-upload-routes"),
    )  # fmt: skip


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )
