"""The generated Python client (clients/python/): committed as the definition generates it,
and working against the real API served by gunicorn: create and activate a campaign, upload a
packet, read its reports, register a webhook endpoint and verify the signature of what it
receives with the secret the client was given."""

from __future__ import annotations

import filecmp
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook

from app_service import PROJECT_ROOT, api_keys, campaigns
from app_service.cli import client_gen
from app_service.webhook_delivery import WebhookDispatcher
from tests.api_support import IDS
from tests.test_webhook_delivery import FAST, drain
from tests.webhook_receiver import Receiver

sys.path.insert(0, str(PROJECT_ROOT / "clients" / "python"))

from reminderly_client import AuthenticatedClient
from reminderly_client.api.campaigns import activate_campaign, create_campaign
from reminderly_client.api.packets import create_packet
from reminderly_client.api.reports import get_campaign_report, get_packet_report
from reminderly_client.api.webhooks import create_webhook_endpoint
from reminderly_client.models import (
    CampaignCreate,
    PacketRow,
    Problem,
    WebhookEndpointCreate,
)


def _differences(a: Path, b: Path) -> list[str]:
    cmp = filecmp.dircmp(a, b, ignore=[".ruff_cache", "__pycache__"])
    out = [f"{a.name}: only in one side: {n}" for n in cmp.left_only + cmp.right_only]
    out += [str(a / n) for n in cmp.diff_files]
    for name in cmp.common_dirs:
        out += _differences(a / name, b / name)
    return out


def test_the_committed_client_is_what_the_definition_generates(tmp_path):
    fresh = client_gen.generate(tmp_path / "client")
    assert _differences(client_gen.TARGET, fresh) == [], (
        "clients/python is stale: run `reminderly openapi client` and commit it"
    )


@pytest.fixture
def client(conn, gunicorn):
    base, _ = gunicorn
    account = campaigns.create_account(conn, "Client test", default_country="US", timezone="UTC")
    key = api_keys.create_key(conn, account, "sdk", ["admin"])
    with AuthenticatedClient(base_url=base, token=key.token) as c:
        yield c


def test_a_campaign_a_packet_its_report_and_a_signed_webhook_through_the_client(
    client, conn, db_url
):
    with Receiver("whsec_" + "A" * 32) as receiver:
        made = create_webhook_endpoint.sync(
            client=client,
            body=WebhookEndpointCreate.from_dict(
                {"url": "https://hooks.example.com/reminderly", "event_types": ["packet.ready"]}
            ),
        )
        assert not isinstance(made, Problem), made
        assert made.secret.startswith("whsec_")
        # the API (started without the development policy) only takes https; the receiver
        # is a local http server, so point the stored endpoint at it directly
        conn.execute(
            "UPDATE webhook_endpoints SET url = %s WHERE url = %s", [receiver.url, made.url]
        )
        receiver.secret = made.secret

        campaign = create_campaign.sync(
            client=client,
            body=CampaignCreate.from_dict(
                {
                    "name": "Cleanings",
                    "kind": "reminder",
                    "channel": "sms",
                    "send_window_start": "00:00",
                    "send_window_end": "23:59",
                    "steps": [
                        {
                            "name": "day before",
                            "offset_minutes": -1440,
                            "template": "Hi {{ first_name }}, see you {{ appointment_at }}",
                        }
                    ],
                }
            ),
        )
        assert not isinstance(campaign, Problem), campaign
        activated = activate_campaign.sync(campaign.id, client=client)
        assert activated.status == "active"

        when = (datetime.now().replace(microsecond=0) + timedelta(days=3)).isoformat()
        rows = [
            PacketRow(
                customer_id=f"c{i}",
                appointment_id=f"a{i}",
                appointment_at=when,
                first_name=f"N{i}",
                phone=f"(312) 555-01{i:02d}",
            )
            for i in range(1, 4)
        ]
        rows.append(
            PacketRow(
                customer_id="c9", appointment_id="a9", appointment_at=when, phone="not a phone"
            )
        )
        packet = create_packet.sync(campaign.id, client=client, body=rows)
        assert not isinstance(packet, Problem), packet
        assert (packet.rows.accepted, packet.rows.rejected) == (3, 1)

        report = get_campaign_report.sync(campaign.id, client=client)
        assert not isinstance(report, Problem), report
        assert report.funnel.planned == 3
        packet_report = get_packet_report.sync(packet.id, client=client)
        assert not isinstance(packet_report, Problem), packet_report

        missing = get_campaign_report.sync(999999, client=client)
        assert isinstance(missing, Problem) and missing.status == 404

        dispatcher = WebhookDispatcher(db_url, "sdk", FAST, ids=IDS)  # the served app's public ids
        try:
            drain(dispatcher, lambda: len(receiver.requests) == 1)
        finally:
            dispatcher.close()
        (request,) = receiver.requests
        body = request["raw"]
        verified = Webhook(made.secret).verify(body, request["headers"])  # raises if not genuine
        assert verified["type"] == "packet.ready"
        assert verified["data"]["packet"]["id"] == packet.id
        with pytest.raises(Exception, match="signature"):
            Webhook("whsec_" + "B" * 32).verify(body, request["headers"])
