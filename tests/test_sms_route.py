"""The second SMS route, driven through the real SmsChannel with botocore's Stubber: every
request's OriginationIdentity says which route a message took."""

from __future__ import annotations

import logging
from dataclasses import replace

import boto3
import pytest
from botocore.stub import Stubber

from app_service.worker.channels.base import OutgoingMessage, TransientSendError
from app_service.worker.channels.sms import SmsChannel
from app_service.worker.channels.sms_route import RoutedSmsChannel, RoutePolicy

SMS = OutgoingMessage(42, 7, "sms", "+13125550134", "See you tomorrow")
POLICY = RoutePolicy(
    failure_share=0.5, sustained_seconds=10, min_calls=4, probe_every_seconds=5, probes_to_recover=2
)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def route():
    sms = boto3.client(
        "pinpoint-sms-voice-v2",
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    clock, emitted = Clock(), []
    routed = RoutedSmsChannel(
        SmsChannel(sms, origination_identity="pool-main", configuration_set="cs"),
        primary="pool-main",
        secondary="+18005550100",
        policy=POLICY,
        emit=emitted.append,
        clock=clock,
    )
    with Stubber(sms) as stub:
        yield routed, stub, clock, emitted


def expect(stub, origination: str, *, throttled: bool = False) -> None:
    params = {
        "DestinationPhoneNumber": "+13125550134",
        "OriginationIdentity": origination,
        "MessageBody": "See you tomorrow",
        "MessageType": "TRANSACTIONAL",
        "ConfigurationSetName": "cs",
        "Context": {"message_id": "42"},
    }
    if throttled:
        stub.add_client_error(
            "send_text_message",
            service_error_code="ThrottlingException",
            http_status_code=400,
            expected_params=params,
        )
    else:
        stub.add_response("send_text_message", {"MessageId": "m"}, params)


def send(routed, stub, origination: str, *, throttled: bool = False) -> None:
    expect(stub, origination, throttled=throttled)
    if throttled:
        with pytest.raises(TransientSendError):
            routed.send(SMS)
    else:
        routed.send(SMS)
    stub.assert_no_pending_responses()


def test_a_throttled_primary_switches_to_the_secondary_and_back_when_it_recovers(route, caplog):
    routed, stub, clock, emitted = route
    caplog.set_level(logging.WARNING)
    for _ in range(4):  # failing, but not yet for long enough
        send(routed, stub, "pool-main", throttled=True)
        clock.now += 2
    assert not routed.on_secondary
    for _ in range(4):  # judged failing from the 4th call on (t=6), for under 10 s
        send(routed, stub, "pool-main", throttled=True)
        clock.now += 2
        assert not routed.on_secondary
    send(routed, stub, "pool-main", throttled=True)  # t=16: 10 s of it, the switch
    assert routed.on_secondary and routed.switches == 1
    assert "switched to the secondary origination" in caplog.text
    assert emitted[-1] == {
        "SmsRouteSwitches": (1.0, "Count"),
        "SmsRouteOnSecondary": (1.0, "Count"),
    }
    send(routed, stub, "+18005550100")  # the next messages take the secondary
    clock.now += 5
    send(routed, stub, "pool-main", throttled=True)  # a probe: still throttled
    send(routed, stub, "+18005550100")
    clock.now += 5
    send(routed, stub, "pool-main")  # probes accepted twice in a row: back to the primary
    clock.now += 5
    send(routed, stub, "pool-main")
    assert not routed.on_secondary and routed.switches == 2
    assert "switched to the primary origination" in caplog.text
    assert emitted[-1]["SmsRouteOnSecondary"] == (0.0, "Count")
    assert routed.metrics() == {"SmsRouteOnSecondary": (0.0, "Count")}
    send(routed, stub, "pool-main")


def test_a_few_failures_among_many_successes_do_not_switch(route):
    routed, stub, clock, _ = route
    for i in range(30):
        send(routed, stub, "pool-main", throttled=i % 3 == 0)  # a third failing: under the share
        clock.now += 1
    assert not routed.on_secondary and routed.switches == 0


def test_an_accounts_own_number_is_never_swapped(route):
    routed, stub, _, _ = route
    routed.on_secondary = True
    params = {
        "DestinationPhoneNumber": "+13125550134",
        "OriginationIdentity": "pool-account",
        "MessageBody": "See you tomorrow",
        "MessageType": "TRANSACTIONAL",
        "ConfigurationSetName": "cs",
        "Context": {"message_id": "42"},
    }
    stub.add_response("send_text_message", {"MessageId": "m"}, params)
    routed.send(replace(SMS, origination="pool-account"))
    stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"failure_share": 0}, "failure_share"),
        ({"sustained_seconds": 0}, "periods"),
        ({"min_calls": 0}, "min_calls"),
    ],
)
def test_impossible_policies_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RoutePolicy(**kwargs)
