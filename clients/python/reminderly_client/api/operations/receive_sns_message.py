from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.sns_message import SnsMessage
from ...models.webhook_result import WebhookResult
from ...types import Response


def _get_kwargs(
    *,
    body: SnsMessage,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/webhooks/sns",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | WebhookResult | None:
    if response.status_code == 200:
        response_200 = WebhookResult.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | WebhookResult]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: SnsMessage,
) -> Response[Problem | WebhookResult]:
    """Receive an SNS delivery

     The HTTPS subscription of the deployment's inbound SNS topic: SES events of the
    configuration set (delivery, bounce, complaint, open, click), End User Messaging SMS events
    (delivered, failed) and inbound SMS (STOP, START, HELP, YES/NO, survey scores, free text).
    No API key: the message signature is verified (SNS certificate from an SNS host, SHA1 or
    SHA256 with RSA), the topic must be one this deployment subscribes to, and messages older
    than an hour are refused (a bare 403: which check failed is logged, not told). Not limited
    per address, but an address whose messages keep being refused gets 429 for the rest of
    the minute. A SubscriptionConfirmation is confirmed by visiting its
    SubscribeURL. Each notification is applied once (keyed by its MessageId).

    Args:
        body (SnsMessage): An Amazon SNS HTTP(S) delivery, as SNS posts it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookResult]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: SnsMessage,
) -> Problem | WebhookResult | None:
    """Receive an SNS delivery

     The HTTPS subscription of the deployment's inbound SNS topic: SES events of the
    configuration set (delivery, bounce, complaint, open, click), End User Messaging SMS events
    (delivered, failed) and inbound SMS (STOP, START, HELP, YES/NO, survey scores, free text).
    No API key: the message signature is verified (SNS certificate from an SNS host, SHA1 or
    SHA256 with RSA), the topic must be one this deployment subscribes to, and messages older
    than an hour are refused (a bare 403: which check failed is logged, not told). Not limited
    per address, but an address whose messages keep being refused gets 429 for the rest of
    the minute. A SubscriptionConfirmation is confirmed by visiting its
    SubscribeURL. Each notification is applied once (keyed by its MessageId).

    Args:
        body (SnsMessage): An Amazon SNS HTTP(S) delivery, as SNS posts it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookResult
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: SnsMessage,
) -> Response[Problem | WebhookResult]:
    """Receive an SNS delivery

     The HTTPS subscription of the deployment's inbound SNS topic: SES events of the
    configuration set (delivery, bounce, complaint, open, click), End User Messaging SMS events
    (delivered, failed) and inbound SMS (STOP, START, HELP, YES/NO, survey scores, free text).
    No API key: the message signature is verified (SNS certificate from an SNS host, SHA1 or
    SHA256 with RSA), the topic must be one this deployment subscribes to, and messages older
    than an hour are refused (a bare 403: which check failed is logged, not told). Not limited
    per address, but an address whose messages keep being refused gets 429 for the rest of
    the minute. A SubscriptionConfirmation is confirmed by visiting its
    SubscribeURL. Each notification is applied once (keyed by its MessageId).

    Args:
        body (SnsMessage): An Amazon SNS HTTP(S) delivery, as SNS posts it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookResult]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: SnsMessage,
) -> Problem | WebhookResult | None:
    """Receive an SNS delivery

     The HTTPS subscription of the deployment's inbound SNS topic: SES events of the
    configuration set (delivery, bounce, complaint, open, click), End User Messaging SMS events
    (delivered, failed) and inbound SMS (STOP, START, HELP, YES/NO, survey scores, free text).
    No API key: the message signature is verified (SNS certificate from an SNS host, SHA1 or
    SHA256 with RSA), the topic must be one this deployment subscribes to, and messages older
    than an hour are refused (a bare 403: which check failed is logged, not told). Not limited
    per address, but an address whose messages keep being refused gets 429 for the rest of
    the minute. A SubscriptionConfirmation is confirmed by visiting its
    SubscribeURL. Each notification is applied once (keyed by its MessageId).

    Args:
        body (SnsMessage): An Amazon SNS HTTP(S) delivery, as SNS posts it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookResult
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
