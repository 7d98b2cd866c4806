"""The front door: the stage's public name (its Route 53 zone and failover records), the
certificate, an internet-facing Application Load Balancer with HTTPS only, AWS WAF, and the
console's optional single sign-on.

The Application Load Balancer with AWS WAF, not API Gateway: the API takes CSV packets of up to
64 MiB streamed (API Gateway caps payloads at 10 MB and buffers them), per-key rate limits live
in the app where the key is known, and WAF adds managed rule groups and a per-IP rate rule.

The standby tier's front door holds the SECONDARY failover record of the API's name (the
primary's holds the PRIMARY one with its health check); its certificate validates through the
CNAME the primary's put in the zone."""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Fn, SecretValue
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk.config import StageConfig
from deploy_contract import naming
from stacks.parts.api_service import PORT, ApiService
from stacks.parts.retention import kept
from stacks.parts.unit import Unit, blind_unique_id, unit_blind_path
from stacks.parts.waf import web_acl


class FrontDoor(Unit):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        vpc: ec2.IVpc,
        api: ApiService,
        standby: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        self.config, self.standby, self.api = config, standby, api
        self.zone = None if standby else self._zone()
        self.load_balancer = self._load_balancer(vpc)

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
            self,
            "Zone",
            zone_name=c.hosted_zone_name,
            comment=f"reminderly {c.name}: the API's public name",
        )
        zone.apply_removal_policy(kept(c))
        CfnOutput(
            self,
            "ZoneNameServers",
            value=Fn.join(",", zone.hosted_zone_name_servers),
            description=f"Delegate {c.hosted_zone_name} to these name servers (NS record in the parent zone)",
        )
        return zone

    def _load_balancer(self, vpc: ec2.IVpc) -> elbv2.ApplicationLoadBalancer:
        logs_bucket = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,  # an overwritten or deleted log object stays recoverable until expiry
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=Duration.days(self.config.log_retention_days),
                    noncurrent_version_expiration=Duration.days(self.config.log_retention_days),
                )
            ],
            removal_policy=kept(self.config),
            auto_delete_objects=False,
        )
        alb = elbv2.ApplicationLoadBalancer(
            self,
            "LoadBalancer",
            vpc=vpc,
            internet_facing=True,
            drop_invalid_header_fields=True,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
        )
        alb.log_access_logs(logs_bucket, prefix="alb")
        # CDK describes the group it makes with the load balancer's unique id, and a new
        # description replaces the group: the one it had before the split into units
        group = alb.connections.security_groups[0].node.default_child
        group.add_property_override(
            "GroupDescription",
            f"Automatically created Security Group for ELB {blind_unique_id(alb)}",
        )
        # the standby's certificate (ACM is regional) validates through the CNAME the primary's
        # put in the zone: ACM's validation record is the same per name and account in every region
        certificate = acm.Certificate(
            self,
            "Certificate",
            domain_name=self.config.domain_name,
            certificate_name=f"{unit_blind_path(self)}/Certificate",  # its Name tag, as before units
            validation=acm.CertificateValidation.from_dns(self.zone),
        )
        https = alb.add_listener(
            "Https",
            port=443,
            protocol=elbv2.ApplicationProtocol.HTTPS,
            certificates=[elbv2.ListenerCertificate.from_certificate_manager(certificate)],
            ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
        )
        self._failover_record(alb)
        # the load balancer behind the name (the runbooks' checks; `dr failover` compares the
        # SECONDARY record against the standby's)
        for key, value in [
            ("LoadBalancerDnsName", alb.load_balancer_dns_name),
            ("LoadBalancerZoneId", alb.load_balancer_canonical_hosted_zone_id),
            ("DomainName", self.config.domain_name),
            ("HostedZoneName", self.config.hosted_zone_name),
        ]:
            CfnOutput(self, f"{key}Output", key=key, value=value)
        # No plain-HTTP listener, not even a redirect: an API key sent over HTTP would already
        # have crossed the network in clear; clients must use https:// (port 80 stays closed).
        self.target_group = https.add_targets(
            "Api",
            port=PORT,
            protocol=elbv2.ApplicationProtocol.HTTP,
            targets=[self.api.service],
            health_check=elbv2.HealthCheck(
                path="/v1/ready",
                healthy_http_codes="200",
                interval=Duration.seconds(15),
                healthy_threshold_count=2,
            ),
            deregistration_delay=Duration.seconds(30),
        )
        if self.config.sso is not None:
            self._sso(https, alb)
        self.web_acl = web_acl(self, self.config, alb)
        return alb

    def _sso(self, https: elbv2.ApplicationListener, alb: elbv2.ApplicationLoadBalancer) -> None:
        """Single sign-on for the console: the load balancer's authenticate-oidc guards only
        /login/sso, then forwards with x-amzn-oidc-data, which the app verifies against this
        load balancer's ARN and the provider's issuer (app_service/people/sso.py)."""
        sso = self.config.sso
        https.add_action(
            "ConsoleSso",
            priority=10,
            conditions=[elbv2.ListenerCondition.path_patterns(["/login/sso"])],
            action=elbv2.ListenerAction.authenticate_oidc(
                issuer=sso.issuer,
                authorization_endpoint=sso.authorization_endpoint,
                token_endpoint=sso.token_endpoint,
                user_info_endpoint=sso.user_info_endpoint,
                client_id=sso.client_id,
                client_secret=SecretValue.secrets_manager(sso.client_secret_name),
                scope="openid email",
                session_timeout=Duration.hours(8),
                on_unauthenticated_request=elbv2.UnauthenticatedAction.AUTHENTICATE,
                next=elbv2.ListenerAction.forward([self.target_group]),
            ),
        )
        container = self.api.container
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
                self,
                name,
                name=f"{c.domain_name}.",
                type="A",
                failover=role,
                set_identifier=naming.FAILOVER_PRIMARY
                if role == "PRIMARY"
                else naming.FAILOVER_SECONDARY,
                alias_target=route53.CfnRecordSet.AliasTargetProperty(
                    dns_name=Fn.join("", ["dualstack.", alb.load_balancer_dns_name]),
                    hosted_zone_id=alb.load_balancer_canonical_hosted_zone_id,
                    evaluate_target_health=True,
                ),
                **kwargs,
            )

        if self.standby:  # the zone lives in the primary stack: named here, not referenced
            record("FailoverSecondary", "SECONDARY", hosted_zone_name=f"{c.hosted_zone_name}.")
            return
        assert self.zone is not None
        # the primary's own load balancer, by its AWS name (never the API's name, which would
        # follow the failover): its readiness, as Route 53's checkers around the world see it
        ready = route53.HealthCheck(
            self,
            "PrimaryReadyCheck",
            type=route53.HealthCheckType.HTTPS,
            fqdn=alb.load_balancer_dns_name,
            port=443,
            resource_path="/v1/ready",
            enable_sni=True,
            request_interval=Duration.seconds(30),
            failure_threshold=3,
        )
        active = route53.HealthCheck(
            self,
            "PrimaryActiveCheck",
            type=route53.HealthCheckType.CALCULATED,
            child_health_checks=[ready],
            health_threshold=1,
        )
        record(
            "Alias",
            "PRIMARY",
            hosted_zone_id=self.zone.hosted_zone_id,
            health_check_id=active.health_check_id,
        )
        CfnOutput(
            self,
            "PrimaryActiveCheckOutput",
            key="PrimaryActiveCheck",
            value=active.health_check_id,
            description="The PRIMARY record's calculated health check (dr failover pins it unhealthy)",
        )
