"""One Settings, read once from the environment: checked with a message naming the variable,
handed to the CLI, the API and the worker; the environment read nowhere else."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from app_service import PROJECT_ROOT
from app_service.cli import main
from app_service.config import AWS_CHANNEL, Settings, SettingsError
from app_service.public_ids import PublicIds

ENV_READ = re.compile(r"os\.environ|getenv\(")
READS_ENVIRONMENT = {
    "app_service/config.py": "the one reader",
    "app_service/cli/client_gen.py": "hands the environment on to the generator it runs",
}


def test_the_environment_is_read_in_config_only():
    found = {
        str(path.relative_to(PROJECT_ROOT))
        for path in (PROJECT_ROOT / "app_service").rglob("*.py")
        if ENV_READ.search(path.read_text())
    }
    assert found == set(READS_ENVIRONMENT)


def test_cli_commands_run_no_named_query_themselves():
    """The CLI translates arguments and results; the capability modules run the queries."""
    for path in (PROJECT_ROOT / "app_service" / "cli").glob("*.py"):
        text = path.read_text()
        assert "Q." not in text and "app_service.queries" not in text, path.name


def test_a_missing_required_variable_is_named():
    with pytest.raises(SettingsError, match=r"^REMINDERLY_SES_FROM is not set$"):
        Settings.from_env({"REMINDERLY_SMS_ORIGINATION": "pool-1"}, require=AWS_CHANNEL)
    made = Settings.from_env(dict.fromkeys(AWS_CHANNEL, "x"), require=AWS_CHANNEL)
    assert made.missing(*AWS_CHANNEL) == []
    assert Settings.from_env({}).missing(*AWS_CHANNEL) == list(AWS_CHANNEL)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "REMINDERLY_API_POOL_SIZE",
            "eight",
            "REMINDERLY_API_POOL_SIZE must be a whole number, not 'eight'",
        ),
        ("REMINDERLY_INFLIGHT", "0", "REMINDERLY_INFLIGHT must be between 1 and 1024, not 0"),
        ("REMINDERLY_SMS_RATE", "fast", "REMINDERLY_SMS_RATE must be a number, not 'fast'"),
        (
            "REMINDERLY_RENDER_TIMEOUT_SECONDS",
            "nan",
            "REMINDERLY_RENDER_TIMEOUT_SECONDS must be a number, not 'nan'",
        ),
        ("PORT", "70000", "PORT must be between 1 and 65535, not 70000"),
        (
            "LOG_LEVEL",
            "loud",
            "LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not 'loud'",
        ),
    ],
)  # fmt: skip  (a table: one case a line)
def test_a_malformed_variable_is_named(variable, value, message):
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({variable: value})
    assert str(caught.value) == message


def test_defaults_are_the_ones_deployments_rely_on():
    s = Settings.from_env({})
    assert (s.api_pool_size, s.inflight, s.sms_rate, s.port, s.log_level) == (
        8,
        64,
        None,
        8080,
        "INFO",
    )
    assert (s.sms_configuration_set, s.event_retention_days, s.validate_responses) == (
        "reminderly",
        30.0,
        True,
    )
    assert s.database_url is None and s.public_url_or_local == "http://localhost:8080"
    assert Settings.from_env({"PGHOST": "db.internal"}).database_url == "postgresql://"
    topics = Settings.from_env({"REMINDERLY_SNS_TOPICS": " arn:a , ,arn:b"}).sns_topics
    assert topics == {"arn:a", "arn:b"}


def test_secrets_stay_out_of_the_repr():
    s = Settings.from_env(
        {
            "REMINDERLY_LINK_SECRET": "link-s3cret",
            "PGPASSWORD": "pg-s3cret",
            "REMINDERLY_OWNER_PASSWORD": "own-s3cret",
        }
    )
    assert "s3cret" not in repr(s)
    assert s.link_secret == "link-s3cret" and s.missing("REMINDERLY_OWNER_PASSWORD") == []


def test_the_cli_exits_1_with_one_line_naming_a_malformed_variable(monkeypatch):
    monkeypatch.setenv("REMINDERLY_INFLIGHT", "many")
    result = CliRunner().invoke(main, ["ids", "public", "1"])
    assert result.exit_code == 1
    assert result.output == "error: REMINDERLY_INFLIGHT must be a whole number, not 'many'\n"


def test_the_cli_hands_its_settings_to_the_commands(monkeypatch):
    monkeypatch.setenv("REMINDERLY_LINK_SECRET", "a-secret-only-the-environment-knows")
    result = CliRunner().invoke(main, ["ids", "public", "7"])
    expected = PublicIds("a-secret-only-the-environment-knows").encode(7)
    assert result.exit_code == 0 and result.output == f"7\t{expected}\n"


def test_the_api_refuses_to_start_on_a_malformed_variable(monkeypatch):
    from app_service.api import create_app

    monkeypatch.setenv("REMINDERLY_PROXY_HOPS", "-1")
    with pytest.raises(SettingsError, match=r"^REMINDERLY_PROXY_HOPS must be at least 0, not -1$"):
        create_app()


def test_gunicorn_stops_at_its_configuration_with_the_variable_named():
    proc = subprocess.run(
        [sys.executable, "-c", "import app_service.gunicorn_conf"],
        env={"PATH": "/usr/bin:/bin", "WEB_CONCURRENCY": "two"},
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip() == "error: WEB_CONCURRENCY must be a whole number, not 'two'"


def test_the_api_takes_what_it_is_given(tmp_path):
    from app_service.api import create_app

    s = Settings.from_env({}).with_(
        database_url="postgresql://x@127.0.0.1:1/x",
        api_pool_size=3,
        sns_topics=frozenset({"arn:t"}),
        link_secret="k",
    )
    app = create_app(s)
    assert app.config["POOL_SIZE"] == 3 and app.config["SNS_TOPICS"] == {"arn:t"}
    assert app.extensions["reminderly.settings"] is s


def test_the_worker_is_wired_from_the_settings(monkeypatch):
    """SES and End User Messaging SMS from the settings' identities, a second SMS route when
    one is set; nothing is called at wiring time."""
    from app_service.worker import wiring
    from app_service.worker.channels.sms_route import RoutedSmsChannel

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    s = Settings.from_env(
        {
            "REMINDERLY_SES_FROM": "Reminders <no-reply@mail.example>",
            "REMINDERLY_SES_CONFIGURATION_SET": "cs",
            "REMINDERLY_SMS_ORIGINATION": "pool-1",
            "REMINDERLY_SMS_SECONDARY_ORIGINATION": "pool-2",
        }
    )
    made = wiring.aws_channels(s)
    assert made["email"].sender == "mail.example"  # the SES identity, the rate's key
    assert isinstance(made["sms"], RoutedSmsChannel)
    with pytest.raises(wiring.WiringError, match=r"^--channel aws needs REMINDERLY_SES_FROM$"):
        wiring.aws_channels(s.with_(ses_from=None))
    bad_route = s.with_(sms_route_failure_share=2.0)
    with pytest.raises(wiring.WiringError, match=r"^the SMS route's settings: "):
        wiring.aws_channels(bad_route)
