"""`reminderly`: the one entry point for every local job.

One module per command group; this root group reads the settings once and hands them to the
commands through click's context (`common.settings()`). A command translates its arguments
into a call of the capability modules (campaigns, packets, reports, ...) and their results and
errors into lines and exit codes; it runs no named query itself."""

from __future__ import annotations

import click

from app_service import config
from app_service.cli import (
    account,
    campaign,
    db,
    demo,
    dev,
    dr,
    ids,
    location,
    maintain,
    openapi,
    ops,
    packet,
    queue,
    report,
    user,
    webhook,
    worker,
)
from app_service.cli.common import CliError
from app_service.config import Settings, SettingsError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """reminderly: appointment reminders, surveys and review requests, run as campaigns.

    Every command uses DATABASE_URL when it is set, else the embedded PostgreSQL in
    .reminderly/ (started on demand).
    """
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    ctx.obj = settings
    ctx.with_resource(config.using(settings))


for command in (
    db.db_group,
    packet.load,
    packet.packet_group,
    campaign.campaign_group,
    queue.tick,
    queue.outbox_cmd,
    worker.worker_cmd,
    account.account_group,
    account.api_key_group,
    report.report_cmd,
    report.analytics_group,
    openapi.openapi_group,
    ids.ids_group,
    maintain.maintain_group,
    demo.demo,
    location.location_group,
    webhook.webhook_group,
    user.user_group,
    dev.dev_group,
    ops.ops_group,
    dr.dr_group,
):
    main.add_command(command)
