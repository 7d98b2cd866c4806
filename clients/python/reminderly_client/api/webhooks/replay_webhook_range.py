from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.webhook_replay_range import WebhookReplayRange
from ...models.webhook_replay_range_queued import WebhookReplayRangeQueued
from ...types import Response


def _get_kwargs(
    endpoint_id: int,
    *,
    body: WebhookReplayRange,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/webhook-endpoints/{endpoint_id}/replay-range".format(
            endpoint_id=quote(str(endpoint_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | WebhookReplayRangeQueued | None:
    if response.status_code == 202:
        response_202 = WebhookReplayRangeQueued.from_dict(response.json())

        return response_202

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
) -> Response[Problem | WebhookReplayRangeQueued]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    endpoint_id: int,
    *,
    client: AuthenticatedClient | Client,
    body: WebhookReplayRange,
) -> Response[Problem | WebhookReplayRangeQueued]:
    """Deliver a time range of events again

     Queues one more delivery of every kept event of the account that occurred in
    [`since`, `until`) and that the endpoint's event types select (with `only_undelivered`,
    only those it has no successful delivery of), in event order behind each resource's
    pending deliveries, with their original `webhook-id`s. The recovery after an outage or
    after the endpoint was disabled: events that happen while an endpoint is disabled are not
    queued for it. At most 31 days.

    Args:
        endpoint_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53
            (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        body (WebhookReplayRange):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookReplayRangeQueued]
    """

    kwargs = _get_kwargs(
        endpoint_id=endpoint_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    endpoint_id: int,
    *,
    client: AuthenticatedClient | Client,
    body: WebhookReplayRange,
) -> Problem | WebhookReplayRangeQueued | None:
    """Deliver a time range of events again

     Queues one more delivery of every kept event of the account that occurred in
    [`since`, `until`) and that the endpoint's event types select (with `only_undelivered`,
    only those it has no successful delivery of), in event order behind each resource's
    pending deliveries, with their original `webhook-id`s. The recovery after an outage or
    after the endpoint was disabled: events that happen while an endpoint is disabled are not
    queued for it. At most 31 days.

    Args:
        endpoint_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53
            (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        body (WebhookReplayRange):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookReplayRangeQueued
    """

    return sync_detailed(
        endpoint_id=endpoint_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    endpoint_id: int,
    *,
    client: AuthenticatedClient | Client,
    body: WebhookReplayRange,
) -> Response[Problem | WebhookReplayRangeQueued]:
    """Deliver a time range of events again

     Queues one more delivery of every kept event of the account that occurred in
    [`since`, `until`) and that the endpoint's event types select (with `only_undelivered`,
    only those it has no successful delivery of), in event order behind each resource's
    pending deliveries, with their original `webhook-id`s. The recovery after an outage or
    after the endpoint was disabled: events that happen while an endpoint is disabled are not
    queued for it. At most 31 days.

    Args:
        endpoint_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53
            (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        body (WebhookReplayRange):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookReplayRangeQueued]
    """

    kwargs = _get_kwargs(
        endpoint_id=endpoint_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    endpoint_id: int,
    *,
    client: AuthenticatedClient | Client,
    body: WebhookReplayRange,
) -> Problem | WebhookReplayRangeQueued | None:
    """Deliver a time range of events again

     Queues one more delivery of every kept event of the account that occurred in
    [`since`, `until`) and that the endpoint's event types select (with `only_undelivered`,
    only those it has no successful delivery of), in event order behind each resource's
    pending deliveries, with their original `webhook-id`s. The recovery after an outage or
    after the endpoint was disabled: events that happen while an endpoint is disabled are not
    queued for it. At most 31 days.

    Args:
        endpoint_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53
            (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        body (WebhookReplayRange):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookReplayRangeQueued
    """

    return (
        await asyncio_detailed(
            endpoint_id=endpoint_id,
            client=client,
            body=body,
        )
    ).parsed
