"""The `reminderly` command: real processes against real databases."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import csv_bytes, person

from app_service import migrate
from app_service.cli import main
from app_service.config import Settings
from tests.api_support import pub, row


def cli(
    db_url: str | None, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run `reminderly` as a user would, against db_url (or, with None, the embedded default)."""
    env = env if env is not None else {**os.environ, "DATABASE_URL": db_url}
    return subprocess.run(
        [sys.executable, "-m", "app_service.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def runner(db_url, monkeypatch) -> CliRunner:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("REMINDERLY_LINK_SECRET", "test-link-secret")  # the app fixture's ids
    return CliRunner()


def test_load_prints_a_summary_and_the_errors(runner, conn, campaign, tmp_path):
    path = tmp_path / "tomorrow.csv"
    path.write_bytes(csv_bytes([person(1), person(2, phone="12"), person(3)]))
    result = runner.invoke(main, ["load", str(path), "--campaign", str(campaign)])
    assert result.exit_code == 0, result.output
    assert "rows: 3 submitted, 2 accepted, 1 rejected" in result.output
    assert "phone is not a valid phone number (default country US)" in result.output
    assert "messages: 4 scheduled" in result.output
    errors = runner.invoke(main, ["packet", "errors", "1"])
    assert errors.output.strip() == "row 2: phone is not a valid phone number (default country US)"
    status = json.loads(runner.invoke(main, ["packet", "status", "1", "--json"]).output)
    assert status["rows"]["accepted"] == 2 and status["messages"] == {"scheduled": 4}


def test_load_json_is_the_api_shape(runner, conn, campaign, tmp_path, app, tenant):
    """One shape for a load summary: the CLI's --json has the API's fields, links aside."""
    path = tmp_path / "p.csv"
    path.write_bytes(csv_bytes([person(1), person(2, phone="12")]))
    out = json.loads(
        runner.invoke(main, ["load", str(path), "--campaign", str(campaign), "--json"]).output
    )
    conn.execute("UPDATE campaigns SET account_id = %s", [tenant.account_id])
    conn.execute("UPDATE packets SET account_id = %s", [tenant.account_id])
    api = tenant.get(f"/v1/packets/{pub(out['id'])}").json
    assert set(out) - {"created"} == set(api) - {"links"}
    assert (
        out["rows"]
        == api["rows"]
        == {"submitted": 2, "accepted": 1, "rejected": 1, "warned": 0, "read": 2}
    )


def test_load_dry_run_and_snapshot_options(runner, conn, campaign, tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(csv_bytes([person(1), person(2)]))
    dry = runner.invoke(main, ["load", str(path), "--campaign", str(campaign), "--dry-run"])
    assert dry.exit_code == 0 and "dry run: nothing was kept" in dry.output
    assert f"campaign {campaign}: 4 planned" in dry.output
    assert conn.execute("SELECT count(*) FROM packets").fetchone() == (0,)
    for args, message in [
        (["--dry-run", "--idempotency-key", "k"], "takes no --idempotency-key"),
        (
            ["--snapshot-from", "2026-12-01T00:00+00:00"],
            "needs both --snapshot-from and --snapshot-to",
        ),
        (["--force"], "need --snapshot-from and --snapshot-to"),
        (
            [
                "--snapshot-from",
                "2026-12-02T00:00+00:00",
                "--snapshot-to",
                "2026-12-01T00:00+00:00",
            ],
            "--snapshot-to must be after --snapshot-from",
        ),
    ]:
        result = runner.invoke(main, ["load", str(path), "--campaign", str(campaign), *args])
        assert result.exit_code == 1 and message in result.output, (args, result.output)


def test_load_same_file_twice_says_so(runner, campaign, tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(csv_bytes([person(1)]))
    runner.invoke(main, ["load", str(path), "--campaign", str(campaign)])
    again = runner.invoke(main, ["load", str(path), "--campaign", str(campaign)])
    assert again.exit_code == 0
    assert "packet 1 already holds this content" in again.output


def test_failed_packet_exits_non_zero_with_the_reason(db_url, campaign, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"name,phone\nAnn,1\n")
    result = cli(db_url, "load", str(path), "--campaign", str(campaign))
    assert result.returncode == 1
    assert "failed: the header has no customer_id column" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["load", "{txt}", "--campaign", "1"], "error: notes.txt: expected a .csv or .json file"),
        (
            ["load", "{csv}", "--campaign", "999"],
            "error: campaign 999 does not exist or is archived",
        ),
        (["packet", "status", "42"], "error: packet 42 does not exist"),
        (
            ["campaign", "pause", "{campaign}"],
            "error: campaign {campaign} is draft; cannot pause it",
        ),
    ],
)
def test_user_errors_are_one_line_and_non_zero(db_url, conn, account, tmp_path, args, message):
    from helpers import make_campaign

    draft = make_campaign(conn, account, activate=False)
    (tmp_path / "notes.txt").write_text("hi")
    (tmp_path / "p.csv").write_bytes(csv_bytes([person(1)]))
    values = {
        "txt": str(tmp_path / "notes.txt"),
        "csv": str(tmp_path / "p.csv"),
        "campaign": str(draft),
    }
    result = cli(db_url, *[a.format(**values) for a in args])
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == message.format(**values)
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_one_line(tmp_path):
    result = cli("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2", "campaign", "show", "1")
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot reach the database")
    assert len(result.stderr.strip().splitlines()) == 1


def test_demo_then_tick_and_campaign_commands(runner):
    demo = runner.invoke(main, ["demo", "--packets", "2", "--rows", "30"])
    assert demo.exit_code == 0, demo.output
    # the first packet carries 8 rows due at once; each list goes to both campaigns
    assert demo.output.count("rows: 38 submitted") == 2
    assert demo.output.count("rows: 30 submitted") == 2
    ready = int(demo.output.split(" messages due now are ready")[0].rsplit("\n", 1)[-1])
    assert ready >= 4, demo.output  # a newcomer's worker has something to send at once
    # the curl it suggests names the campaign as the API takes it: its public id
    shown_id = re.search(r"/v1/campaigns/(\d+)/report", demo.output)[1]
    internal = runner.invoke(main, ["ids", "internal", shown_id]).output.split()
    assert int(shown_id) >= 2**52 and internal == ["1"], demo.output
    show = runner.invoke(main, ["campaign", "show", "1"])
    assert "step 1 48 hours before: 48h before by sms" in show.output
    assert runner.invoke(main, ["tick"]).exit_code == 0
    assert runner.invoke(main, ["campaign", "pause", "1"]).output.strip() == "campaign 1: paused"
    assert runner.invoke(main, ["campaign", "resume", "1"]).output.strip() == "campaign 1: active"
    rel = runner.invoke(main, ["campaign", "relations", "1"])
    assert "messages_once" in rel.output
    assert "archived" in runner.invoke(main, ["campaign", "archive", "1"]).output
    assert (
        "purged 0 customers"
        in runner.invoke(main, ["maintain", "purge-pii", "--days", "30"]).output
    )
    assert runner.invoke(main, ["maintain", "analyze"]).output.strip() == "analyzed"


def test_every_command_has_help():
    runner = CliRunner()
    out = runner.invoke(main, ["--help"]).output
    for name in ("db", "load", "packet", "campaign", "tick", "maintain", "demo"):
        assert name in out
    for group in ("db", "packet", "campaign", "maintain"):
        assert runner.invoke(main, [group, "--help"]).exit_code == 0


def test_embedded_database_lifecycle(tmp_path: Path):
    """db start / status / psql / stop on a private embedded server, as a user would."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["REMINDERLY_DATA_DIR"] = str(tmp_path / "data")

    def run(*args: str) -> subprocess.CompletedProcess:
        return cli(None, *args, env=env)

    assert run("db", "status").returncode == 1
    started = run("db", "start")
    assert started.returncode == 0, started.stderr
    try:
        status = run("db", "status")
        assert status.returncode == 0
        assert "running" in status.stdout and "schema: current" in status.stdout
        psql = run("db", "psql", "-tAc", "SELECT count(*) FROM schema_migrations")
        assert int(psql.stdout.strip()) == len(migrate.migration_files())
    finally:
        assert run("db", "stop").stdout.strip() == "stopped"
    assert "stopped" in run("db", "status").stdout


def test_account_and_api_key_commands_make_keys_the_api_accepts(runner, db_url):
    from app_service.api import create_app

    made = runner.invoke(main, ["account", "create", "Cli Clinic", "--timezone", "America/Denver"])
    assert made.exit_code == 0, made.output
    admin = made.output.strip().splitlines()[-1].rsplit(" ", 1)[1]
    account = int(made.output.split()[1])
    reader = runner.invoke(
        main, ["api-key", "create", "--account", str(account), "--name", "bi", "--scope", "read"]
    )
    assert reader.exit_code == 0, reader.output
    read_token = reader.output.strip().rsplit(" ", 1)[1]
    key_id = int(reader.output.split()[1])
    client = create_app(Settings.from_env().with_(database_url=db_url)).test_client()
    for token in (admin, read_token):
        got = client.get("/v1/account", headers={"Authorization": f"Bearer {token}"})
        assert got.status_code == 200 and got.json["timezone"] == "America/Denver"
    listed = runner.invoke(main, ["api-key", "list", "--account", str(account)]).output
    assert "read" in listed and read_token not in listed and admin not in listed
    revoked = runner.invoke(main, ["api-key", "revoke", "--account", str(account), str(key_id)])
    assert revoked.output.strip() == f"key {key_id} revoked"
    assert (
        client.get("/v1/account", headers={"Authorization": f"Bearer {read_token}"}).status_code
        == 401
    )
    wrong = runner.invoke(main, ["api-key", "revoke", "--account", str(account + 1), str(key_id)])
    assert (
        wrong.exit_code == 1
        and wrong.output.strip() == f"error: account {account + 1} has no key {key_id}"
    )
    bad = runner.invoke(main, ["account", "create", "X", "--timezone", "Mars/Base"])
    assert bad.exit_code == 1 and "IANA" in bad.output
    assert "deleted 0" in runner.invoke(main, ["maintain", "purge-api-records"]).output


def test_worker_rates_are_shared_buckets(runner, conn, campaign):
    from tests.helpers import load_rows, make_due, person

    load_rows(conn, campaign, [person(1)])
    make_due(conn)
    result = runner.invoke(
        main, ["worker", "--until-idle", "--sms-rate", "50", "--email-rate", "5"]
    )
    assert result.exit_code == 0, result.output
    buckets = conn.execute("SELECT key, rate, burst FROM send_rate_limits ORDER BY key").fetchall()
    assert buckets == [("email:outbox", 5.0, 5.0), ("sms:outbox", 50.0, 50.0)]
    bad = runner.invoke(main, ["worker", "--until-idle", "--sms-rate", "0"])
    assert bad.exit_code == 2 and "--sms-rate" in bad.output


def test_location_set_and_list(runner, account):
    made = runner.invoke(
        main,
        [
            "location",
            "set",
            "phx",
            "--account",
            str(account),
            "--name",
            "Phoenix",
            "--timezone",
            "America/Phoenix",
            "--window",
            "08:00-18:00",
        ],
    )
    assert made.exit_code == 0 and "created" in made.output, made.output
    listed = [
        json.loads(x)
        for x in runner.invoke(
            main, ["location", "list", "--account", str(account)]
        ).output.splitlines()
    ]
    assert listed[0]["send_window"] == {"start": "08:00", "end": "18:00"}
    bad = runner.invoke(
        main, ["location", "set", "x", "--account", str(account), "--timezone", "Mars/Base"]
    )
    assert bad.exit_code == 1 and "error: timezone: is not an IANA timezone name" in bad.output
    bad = runner.invoke(main, ["location", "set", "x", "--account", str(account), "--window", "8"])
    assert bad.exit_code == 1 and "--window must be HH:MM-HH:MM" in bad.output


def test_the_lifecycle_is_the_same_in_the_cli_and_the_api(runner, conn, account, app, tenant):
    """Resume on a draft: refused by the library, the CLI and the API alike (it used to
    activate the campaign in the CLI)."""
    from app_service import campaigns as core
    from tests.api_support import CAMPAIGN

    draft = tenant.post("/v1/campaigns", json=CAMPAIGN).json["id"]
    result = runner.invoke(main, ["campaign", "resume", str(draft)])  # takes the public id
    assert result.exit_code == 1  # and names the row id, as everywhere in the CLI
    assert f"error: campaign {row(draft)} is draft; cannot resume it" in result.output
    api = tenant.post(f"/v1/campaigns/{draft}/resume")
    assert (
        api.status_code == 409
        and api.json["detail"] == f"campaign {draft} is draft; cannot resume it"
    )
    with pytest.raises(core.TransitionRefused):
        core.change(conn, row(draft), "resume")
    assert tenant.get(f"/v1/campaigns/{draft}").json["status"] == "draft"
    # every verb from every status: the CLI and the API agree on what is allowed
    for start in ("draft", "active", "paused", "archived"):
        for verb in core.VERBS:
            a = tenant.post("/v1/campaigns", json=CAMPAIGN).json["id"]
            b = tenant.post("/v1/campaigns", json=CAMPAIGN).json["id"]
            path = {
                "draft": [],
                "active": ["activate"],
                "paused": ["activate", "pause"],
                "archived": ["archive"],
            }[start]
            for step in path:
                assert tenant.post(f"/v1/campaigns/{a}/{step}").status_code == 200
                assert tenant.post(f"/v1/campaigns/{b}/{step}").status_code == 200
            via_api = tenant.post(f"/v1/campaigns/{a}/{verb}").status_code == 200
            via_cli = runner.invoke(main, ["campaign", verb, str(b)]).exit_code == 0
            assert via_api == via_cli, (start, verb)
    assert runner.invoke(main, ["campaign", "pause", "99999"]).output.strip() == (
        "error: campaign 99999 does not exist"
    )
