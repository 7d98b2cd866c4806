from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.event_page import EventPage
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    after: str | Unset = UNSET,
    type_: str | Unset = UNSET,
    limit: int | Unset = 50,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["after"] = after

    params["type"] = type_

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/events",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> EventPage | Problem | None:
    if response.status_code == 200:
        response_200 = EventPage.from_dict(response.json())

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[EventPage | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    after: str | Unset = UNSET,
    type_: str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[EventPage | Problem]:
    """The events feed

     The account's events in order, for consumers that cannot receive webhooks (the same
    events and payloads). Start without `after`, then pass each page's `next_cursor` as
    `after`; an empty page means nothing newer yet. Events are ordered by the transaction that
    wrote them and shown only once no older transaction is still running, so a cursor never
    skips an event that commits late. Kept for 30 days by default
    (`REMINDERLY_EVENT_RETENTION_DAYS`).

    Args:
        after (str | Unset):
        type_ (str | Unset):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EventPage | Problem]
    """

    kwargs = _get_kwargs(
        after=after,
        type_=type_,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    after: str | Unset = UNSET,
    type_: str | Unset = UNSET,
    limit: int | Unset = 50,
) -> EventPage | Problem | None:
    """The events feed

     The account's events in order, for consumers that cannot receive webhooks (the same
    events and payloads). Start without `after`, then pass each page's `next_cursor` as
    `after`; an empty page means nothing newer yet. Events are ordered by the transaction that
    wrote them and shown only once no older transaction is still running, so a cursor never
    skips an event that commits late. Kept for 30 days by default
    (`REMINDERLY_EVENT_RETENTION_DAYS`).

    Args:
        after (str | Unset):
        type_ (str | Unset):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EventPage | Problem
    """

    return sync_detailed(
        client=client,
        after=after,
        type_=type_,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    after: str | Unset = UNSET,
    type_: str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[EventPage | Problem]:
    """The events feed

     The account's events in order, for consumers that cannot receive webhooks (the same
    events and payloads). Start without `after`, then pass each page's `next_cursor` as
    `after`; an empty page means nothing newer yet. Events are ordered by the transaction that
    wrote them and shown only once no older transaction is still running, so a cursor never
    skips an event that commits late. Kept for 30 days by default
    (`REMINDERLY_EVENT_RETENTION_DAYS`).

    Args:
        after (str | Unset):
        type_ (str | Unset):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EventPage | Problem]
    """

    kwargs = _get_kwargs(
        after=after,
        type_=type_,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    after: str | Unset = UNSET,
    type_: str | Unset = UNSET,
    limit: int | Unset = 50,
) -> EventPage | Problem | None:
    """The events feed

     The account's events in order, for consumers that cannot receive webhooks (the same
    events and payloads). Start without `after`, then pass each page's `next_cursor` as
    `after`; an empty page means nothing newer yet. Events are ordered by the transaction that
    wrote them and shown only once no older transaction is still running, so a cursor never
    skips an event that commits late. Kept for 30 days by default
    (`REMINDERLY_EVENT_RETENTION_DAYS`).

    Args:
        after (str | Unset):
        type_ (str | Unset):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EventPage | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            after=after,
            type_=type_,
            limit=limit,
        )
    ).parsed
