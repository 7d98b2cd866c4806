"""SMS segment arithmetic (GSM-7 versus UCS-2), and the template limit at campaign creation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app_service import campaigns
from app_service.models import CampaignSpec, Step
from app_service.sms_segments import sms_segments


@pytest.mark.parametrize(
    ("text", "encoding", "units", "count"),
    [
        ("", "GSM-7", 0, 1),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),  # an extension character takes two septets
        ("Zoë, see you at 10:00 ✓", "UCS-2", 23, 1),
        ("é" * 70, "GSM-7", 70, 1),  # é is in the basic GSM alphabet
        ("ę" * 70, "UCS-2", 70, 1),
        ("ę" * 71, "UCS-2", 71, 2),
        ("😀" * 35, "UCS-2", 70, 1),  # outside the BMP: two UTF-16 units each
    ],
)
def test_segments(text, encoding, units, count):
    s = sms_segments(text)
    assert (s.encoding, s.units, s.count) == (encoding, units, count)


def test_a_template_over_the_segment_limit_is_refused(conn, account):
    long = "Hello {{ first_name }}, " + "this reminder is long. " * 20
    spec = CampaignSpec(
        account, "wordy", "reminder", "sms", [Step("2h", timedelta(hours=-2), long)]
    )
    with pytest.raises(
        campaigns.InvalidCampaign, match=r"steps\[1\]\.template is \d+ SMS segments"
    ):
        campaigns.create_campaign(conn, spec)


def test_a_template_within_the_limit_is_accepted(conn, account):
    spec = CampaignSpec(
        account,
        "short",
        "reminder",
        "sms",
        [
            Step(
                "2h", timedelta(hours=-2), "Hi {{ first_name }}, see you at {{ appointment_time }}."
            )
        ],
    )
    assert campaigns.create_campaign(conn, spec) > 0
