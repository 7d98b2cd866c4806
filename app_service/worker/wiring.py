"""The worker process put together from the settings: its channels (the local outbox, the
provider simulator, or SES and End User Messaging SMS), the shared send rates, the background
threads beside the dispatch loops (background packet loads, webhook deliveries, staff mail). `reminderly worker` only turns its options into WorkerOptions,
calls `wire` and prints; nothing here knows about the command line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app_service import db
from app_service.config import AWS_CHANNEL, Settings
from app_service.worker.channels.simulated import Simulation
from app_service.worker.runner import Counters, Worker, WorkerSettings


class WiringError(ValueError):
    """The settings cannot make the worker asked for (the message says what to set)."""


@dataclass(frozen=True)
class WorkerOptions:
    """What the operator chose for this process (the command's options)."""

    channel: str = "outbox"
    inflight: int | None = None
    """None: the settings' REMINDERLY_INFLIGHT."""
    concurrency: int | None = None
    batch: int = 50
    sms_rate: float | None = None
    """None: REMINDERLY_SMS_RATE, else 1/s with AWS, else unlimited."""
    email_rate: float | None = None
    """None: REMINDERLY_EMAIL_RATE; with AWS never above SES's MaxSendRate."""
    simulation: Simulation | None = None


def channels(kind: str, pool, settings: Settings, simulation: Simulation | None = None) -> dict:
    """Channel name -> channel, for `kind` (outbox, simulated, aws)."""
    from app_service.worker.channels.outbox import OutboxChannel

    if kind == "outbox":
        outbox = OutboxChannel(pool)
        return {"sms": outbox, "email": outbox}
    if kind == "simulated":
        from app_service.worker.channels.simulated import SimulatedChannel

        outbox = OutboxChannel(pool)  # one simulated provider per channel, each its own rate
        return {name: SimulatedChannel(outbox, simulation, name=name) for name in ("sms", "email")}
    return aws_channels(settings)


def aws_channels(settings: Settings) -> dict:
    """SES for email, End User Messaging SMS (with a second route when one is set) for SMS."""
    import boto3

    from app_service.worker.channels.ses import SesChannel
    from app_service.worker.channels.sms import SmsChannel

    missing = settings.missing(*AWS_CHANNEL)
    if missing:
        raise WiringError(f"--channel aws needs {', '.join(missing)}")
    assert settings.sms_origination and settings.ses_from and settings.ses_configuration_set
    sms: Any = SmsChannel(
        boto3.client("pinpoint-sms-voice-v2"),
        origination_identity=settings.sms_origination,
        configuration_set=settings.sms_configuration_set,
    )
    secondary = settings.sms_secondary_origination
    if secondary:  # the second SMS route, taken while the primary is throttled or failing
        from app_service.worker import metrics
        from app_service.worker.channels.sms_route import RoutedSmsChannel, RoutePolicy

        try:
            policy = RoutePolicy(
                failure_share=settings.sms_route_failure_share,
                sustained_seconds=settings.sms_route_seconds,
            )
        except ValueError as exc:
            raise WiringError(f"the SMS route's settings: {exc}") from None
        sms = RoutedSmsChannel(
            sms,
            primary=settings.sms_origination,
            secondary=secondary,
            policy=policy,
            emit=metrics.emit if settings.stage else None,
        )
    email = SesChannel(
        boto3.client("sesv2"),
        from_address=settings.ses_from,
        configuration_set=settings.ses_configuration_set,
    )
    return {"email": email, "sms": sms}


def staff_mailer(kind: str, url: str, settings: Settings):
    """With the AWS channel, staff mail (invitations, resets) goes out through SES from
    REMINDERLY_STAFF_MAIL_FROM (or the campaigns' sender); otherwise it stays in the local
    mailbox (None)."""
    if kind != "aws":
        return None
    import boto3

    from app_service.people.mailer import StaffMailer, ses_sender

    sender = settings.staff_mail_from or settings.ses_from
    if not sender:
        raise WiringError("--channel aws needs REMINDERLY_SES_FROM")
    send = ses_sender(boto3.client("sesv2"), sender, settings.ses_configuration_set)
    return StaffMailer(url, send)


def send_rates(
    kind: str, options: WorkerOptions, settings: Settings
) -> tuple[float | None, float | None]:
    """The SMS and email rates to brake at; with AWS, what AWS granted is the ceiling."""
    sms_rate = options.sms_rate or settings.sms_rate
    email_rate = options.email_rate or settings.email_rate
    if kind == "aws":
        import boto3

        from app_service.worker.provider_rates import email_rate as capped
        from app_service.worker.provider_rates import ses_max_send_rate

        sms_rate = sms_rate or 1.0
        email_rate = capped(email_rate, ses_max_send_rate(boto3.client("sesv2")))
    return sms_rate, email_rate


@dataclass
class WiredWorker:
    """A worker and the threads that run beside it, ready to run."""

    worker: Worker
    pool: Any
    loops: int
    sms_rate: float | None
    email_rate: float | None
    background: list[Any]

    def run(self, *, until_idle: bool = False) -> Counters:
        """Run until stopped (or idle); the background threads run only in the long-lived
        process, not in an --until-idle pass."""
        started = [] if until_idle else self.background
        for thread in started:
            thread.start()
        try:
            return self.worker.run(until_idle=until_idle)
        finally:
            for thread in started:
                thread.stop()
            self.pool.close()


def wire(
    settings: Settings,
    options: WorkerOptions,
    *,
    on_beat: Callable[[datetime], object] | None = None,
) -> WiredWorker:
    """Connect, build the channels and rates, and the worker over them; `on_beat` hears each
    committed heartbeat (the DR last-write marker, which the CLI makes: it lives in ops/)."""
    from app_service.links import link_secret
    from app_service.packet_loader import PacketLoader
    from app_service.public_ids import PublicIds
    from app_service.report_exports import ExportBuilder
    from app_service.webhook_delivery import WebhookDispatcher
    from app_service.worker import metrics
    from app_service.worker.ratelimit import SendRate, SharedRateLimiter

    inflight = options.inflight or settings.inflight
    url = db.ready_url(settings)
    loops = WorkerSettings(
        concurrency=options.concurrency, inflight=inflight, batch=options.batch
    ).loops
    pool = db.open_pool(url, min_size=1, max_size=loops + 3, name="reminderly-worker")
    try:
        made = channels(options.channel, pool, settings, options.simulation)
        sms_rate, email_rate = send_rates(options.channel, options, settings)
        limiters = {
            name: SharedRateLimiter(
                pool, SendRate(f"{name}:{made[name].sender}", rate, burst=max(1.0, rate))
            )
            for name, rate in (("sms", sms_rate), ("email", email_rate))
            if rate
        }
        worker = Worker(
            pool,
            made,
            WorkerSettings(
                concurrency=options.concurrency,
                inflight=inflight,
                batch=options.batch,
                public_url=settings.public_url_or_local,
                link_secret=settings.link_secret,
            ),
            # EMF metrics where CloudWatch collects them (the stage is set in ECS), not on a laptop
            emit_metrics=metrics.emit if settings.stage else None,
            limiters=limiters,
            on_beat=on_beat,
        )
        background = [
            PacketLoader(url, worker.name),  # big uploads the API stored, loaded here
            WebhookDispatcher(url, worker.name),  # events to webhook endpoints
            # CSV exports too large for a request, built in PostgreSQL chunks
            ExportBuilder(url, worker.name, PublicIds(link_secret(settings)).encode),
        ]
        mailer = staff_mailer(options.channel, url, settings)  # invitations, resets: SES in AWS
        if mailer is not None:
            background.append(mailer)
    except BaseException:
        pool.close()
        raise
    return WiredWorker(worker, pool, loops, sms_rate, email_rate, background)
