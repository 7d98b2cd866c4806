"""Credentials.refresh against Secrets Manager (botocore Stubber): which version a refused
login moves to, in each moment of a single-user rotation."""

from __future__ import annotations

import json
import logging

import boto3
import psycopg
import pytest
from botocore.stub import Stubber

from app_service import db_credentials
from app_service.db_credentials import Credentials

ARN = "arn:aws:secretsmanager:us-east-1:210987654321:secret:reminderly-prod/database/api-AbCdEf"
OLD = {"user": "reminderly_api_login", "password": "old-password"}


def _client():
    return boto3.client(
        "secretsmanager", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def _value(password: str) -> dict:
    return {
        "ARN": ARN,
        "Name": "reminderly-prod/database/api",
        "VersionId": "v" * 32,
        "SecretString": json.dumps(
            {
                "username": "reminderly_api_login",
                "password": password,
                "host": "db.internal",
                "port": 5432,
            }
        ),
    }


def _get(stage: str) -> dict:
    return {"SecretId": ARN, "VersionStage": stage}


def test_after_the_rotation_finished_awscurrent_has_the_new_password(caplog):
    client = _client()
    creds = Credentials(ARN, client=lambda: client, **OLD)
    with Stubber(client) as s, caplog.at_level(logging.WARNING):
        s.add_response("get_secret_value", _value("new-password"), _get("AWSCURRENT"))
        assert creds.refresh(OLD) is True
        s.assert_no_pending_responses()
    assert creds.current() == {"user": "reminderly_api_login", "password": "new-password"}
    assert (
        "re-read" in caplog.text and "new-password" not in caplog.text
    )  # the fact, not the secret


def test_between_the_password_change_and_the_label_move_awspending_has_it():
    client = _client()
    creds = Credentials(ARN, client=lambda: client, **OLD)
    with Stubber(client) as s:
        s.add_response("get_secret_value", _value("old-password"), _get("AWSCURRENT"))
        s.add_response("get_secret_value", _value("pending-password"), _get("AWSPENDING"))
        assert creds.refresh(OLD) is True
        s.assert_no_pending_responses()
    assert creds.current()["password"] == "pending-password"
    assert creds.refreshes == 1


def test_nothing_newer_leaves_the_refusal_standing():
    client = _client()
    creds = Credentials(ARN, client=lambda: client, **OLD)
    with Stubber(client) as s:
        s.add_response("get_secret_value", _value("old-password"), _get("AWSCURRENT"))
        s.add_client_error(
            "get_secret_value", "ResourceNotFoundException", expected_params=_get("AWSPENDING")
        )
        assert creds.refresh(OLD) is False
        s.assert_no_pending_responses()
    assert creds.current() == OLD


def test_another_threads_refresh_is_not_repeated():
    client = _client()
    creds = Credentials(
        ARN, client=lambda: client, user="reminderly_api_login", password="already-new"
    )
    with Stubber(client) as s:  # no call expected: the credentials refused are not the current ones
        assert creds.refresh(OLD) is True
        s.assert_no_pending_responses()


def test_other_errors_are_not_taken_for_a_missing_pending_version():
    client = _client()
    creds = Credentials(ARN, client=lambda: client, **OLD)
    with Stubber(client) as s:
        s.add_client_error(
            "get_secret_value", "AccessDeniedException", expected_params=_get("AWSCURRENT")
        )
        with pytest.raises(Exception, match="AccessDenied"):
            creds.refresh(OLD)


def test_an_unreachable_server_is_not_a_refused_password():
    """(A real refusal is recognised in tests/test_credential_rotation.py, over scram.)"""
    with pytest.raises(psycopg.OperationalError) as unreachable:
        psycopg.connect("host=/nonexistent-socket-dir dbname=x connect_timeout=1")
    assert not db_credentials.is_auth_failure(unreachable.value)
