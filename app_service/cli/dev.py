"""`reminderly dev inbound`: the API's POST /v1/dev/inbound from the shell (development only),
to see an integration's webhooks fire for a reply, a receipt or a survey answer."""

from __future__ import annotations

import click

from app_service.cli.common import CliError, connect, friendly_errors
from app_service.inbound import simulate


@click.group("dev")
def dev_group() -> None:
    """Development tools (refused where REMINDERLY_STAGE is set to anything but dev)."""


@dev_group.command("inbound")
@click.argument("message_id", type=int)
@click.option("--reply", "text", help="An SMS reply from the customer (NO, STOP, YES, 9 ...).")
@click.option("--receipt", "outcome", type=click.Choice(["delivered", "failed", "bounced"]))
@click.option("--survey", "score", type=click.IntRange(0, 10), help="A survey score.")
@click.option("--comment", default="", help="The survey comment.")
@friendly_errors
def dev_inbound(message_id: int, text, outcome, score, comment) -> None:
    """Simulate what comes back for MESSAGE_ID through the real webhooks' code."""
    chosen = [
        k
        for k, v in (("reply", text), ("receipt", outcome), ("survey_answer", score))
        if v is not None
    ]
    if len(chosen) != 1:
        raise CliError("give exactly one of --reply, --receipt, --survey")
    try:
        with connect() as conn:
            done = simulate.simulate(
                conn,
                message_id,
                chosen[0],
                text=text or "",
                outcome=outcome or "delivered",
                score=score,
                comment=comment,
            )
    except simulate.NotAllowed as exc:
        raise CliError(str(exc)) from None
    except simulate.CannotSimulate as exc:
        raise CliError(str(exc)) from None
    click.echo(done)
