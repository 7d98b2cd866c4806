from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.inbound_simulated import InboundSimulated
from ...models.inbound_simulation import InboundSimulation
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    *,
    body: InboundSimulation,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/dev/inbound",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> InboundSimulated | Problem | None:
    if response.status_code == 200:
        response_200 = InboundSimulated.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

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

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[InboundSimulated | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: InboundSimulation,
) -> Response[InboundSimulated | Problem]:
    """Simulate an inbound reply, receipt or survey answer (development only)

     For testing an integration end to end: applies what a provider or a customer would send
    for one of the account's messages through the same code as the real webhooks, so the
    resulting events (`reply.received`, `appointment.cancelled_by_customer`,
    `consent.opted_out`, `message.delivered`, `survey.answered`, ...) reach the feed and the
    webhook endpoints as real ones do.

    - `reply`: an SMS reply with `text` from the customer's phone, to the number the account
      sends from; like a real reply it answers the customer's latest sent SMS.
    - `receipt`: a delivery receipt (`outcome`: `delivered`, `failed` or `bounced`) for a sent
      message (an SES event for email, an End User Messaging event for SMS).
    - `survey_answer`: a `score` (0-10) and `comment`, as the survey page records them.

    Only where `REMINDERLY_STAGE` is unset or `dev`; 403 in staging and production.

    Args:
        body (InboundSimulation):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[InboundSimulated | Problem]
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
    body: InboundSimulation,
) -> InboundSimulated | Problem | None:
    """Simulate an inbound reply, receipt or survey answer (development only)

     For testing an integration end to end: applies what a provider or a customer would send
    for one of the account's messages through the same code as the real webhooks, so the
    resulting events (`reply.received`, `appointment.cancelled_by_customer`,
    `consent.opted_out`, `message.delivered`, `survey.answered`, ...) reach the feed and the
    webhook endpoints as real ones do.

    - `reply`: an SMS reply with `text` from the customer's phone, to the number the account
      sends from; like a real reply it answers the customer's latest sent SMS.
    - `receipt`: a delivery receipt (`outcome`: `delivered`, `failed` or `bounced`) for a sent
      message (an SES event for email, an End User Messaging event for SMS).
    - `survey_answer`: a `score` (0-10) and `comment`, as the survey page records them.

    Only where `REMINDERLY_STAGE` is unset or `dev`; 403 in staging and production.

    Args:
        body (InboundSimulation):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        InboundSimulated | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: InboundSimulation,
) -> Response[InboundSimulated | Problem]:
    """Simulate an inbound reply, receipt or survey answer (development only)

     For testing an integration end to end: applies what a provider or a customer would send
    for one of the account's messages through the same code as the real webhooks, so the
    resulting events (`reply.received`, `appointment.cancelled_by_customer`,
    `consent.opted_out`, `message.delivered`, `survey.answered`, ...) reach the feed and the
    webhook endpoints as real ones do.

    - `reply`: an SMS reply with `text` from the customer's phone, to the number the account
      sends from; like a real reply it answers the customer's latest sent SMS.
    - `receipt`: a delivery receipt (`outcome`: `delivered`, `failed` or `bounced`) for a sent
      message (an SES event for email, an End User Messaging event for SMS).
    - `survey_answer`: a `score` (0-10) and `comment`, as the survey page records them.

    Only where `REMINDERLY_STAGE` is unset or `dev`; 403 in staging and production.

    Args:
        body (InboundSimulation):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[InboundSimulated | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: InboundSimulation,
) -> InboundSimulated | Problem | None:
    """Simulate an inbound reply, receipt or survey answer (development only)

     For testing an integration end to end: applies what a provider or a customer would send
    for one of the account's messages through the same code as the real webhooks, so the
    resulting events (`reply.received`, `appointment.cancelled_by_customer`,
    `consent.opted_out`, `message.delivered`, `survey.answered`, ...) reach the feed and the
    webhook endpoints as real ones do.

    - `reply`: an SMS reply with `text` from the customer's phone, to the number the account
      sends from; like a real reply it answers the customer's latest sent SMS.
    - `receipt`: a delivery receipt (`outcome`: `delivered`, `failed` or `bounced`) for a sent
      message (an SES event for email, an End User Messaging event for SMS).
    - `survey_answer`: a `score` (0-10) and `comment`, as the survey page records them.

    Only where `REMINDERLY_STAGE` is unset or `dev`; 403 in staging and production.

    Args:
        body (InboundSimulation):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        InboundSimulated | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
