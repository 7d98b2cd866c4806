import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.message_page import MessagePage
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    status: str | Unset = UNSET,
    campaign_id: int | Unset = UNSET,
    send_at_from: datetime.datetime | Unset = UNSET,
    send_at_to: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 50,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["status"] = status

    params["campaign_id"] = campaign_id

    json_send_at_from: str | Unset = UNSET
    if not isinstance(send_at_from, Unset):
        json_send_at_from = send_at_from.isoformat()
    params["send_at_from"] = json_send_at_from

    json_send_at_to: str | Unset = UNSET
    if not isinstance(send_at_to, Unset):
        json_send_at_to = send_at_to.isoformat()
    params["send_at_to"] = json_send_at_to

    params["cursor"] = cursor

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/messages",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> MessagePage | Problem | None:
    if response.status_code == 200:
        response_200 = MessagePage.from_dict(response.json())

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

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

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
) -> Response[MessagePage | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    status: str | Unset = UNSET,
    campaign_id: int | Unset = UNSET,
    send_at_from: datetime.datetime | Unset = UNSET,
    send_at_to: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[MessagePage | Problem]:
    """List the account's messages

     In the order they were planned (by packet, then id), each with the business's own ids of
    its customer, appointment and location. Filters combine: `status` (comma-separated),
    `campaign_id`, and the send time range [`send_at_from`, `send_at_to`). An unknown filter
    is a 400, never ignored.

    Args:
        status (str | Unset):
        campaign_id (int | Unset): A resource's id: an opaque public number, at least 2^52 and
            below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        send_at_from (datetime.datetime | Unset): RFC 3339, UTC.
        send_at_to (datetime.datetime | Unset): RFC 3339, UTC.
        cursor (str | Unset):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MessagePage | Problem]
    """

    kwargs = _get_kwargs(
        status=status,
        campaign_id=campaign_id,
        send_at_from=send_at_from,
        send_at_to=send_at_to,
        cursor=cursor,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    status: str | Unset = UNSET,
    campaign_id: int | Unset = UNSET,
    send_at_from: datetime.datetime | Unset = UNSET,
    send_at_to: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 50,
) -> MessagePage | Problem | None:
    """List the account's messages

     In the order they were planned (by packet, then id), each with the business's own ids of
    its customer, appointment and location. Filters combine: `status` (comma-separated),
    `campaign_id`, and the send time range [`send_at_from`, `send_at_to`). An unknown filter
    is a 400, never ignored.

    Args:
        status (str | Unset):
        campaign_id (int | Unset): A resource's id: an opaque public number, at least 2^52 and
            below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        send_at_from (datetime.datetime | Unset): RFC 3339, UTC.
        send_at_to (datetime.datetime | Unset): RFC 3339, UTC.
        cursor (str | Unset):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MessagePage | Problem
    """

    return sync_detailed(
        client=client,
        status=status,
        campaign_id=campaign_id,
        send_at_from=send_at_from,
        send_at_to=send_at_to,
        cursor=cursor,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    status: str | Unset = UNSET,
    campaign_id: int | Unset = UNSET,
    send_at_from: datetime.datetime | Unset = UNSET,
    send_at_to: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[MessagePage | Problem]:
    """List the account's messages

     In the order they were planned (by packet, then id), each with the business's own ids of
    its customer, appointment and location. Filters combine: `status` (comma-separated),
    `campaign_id`, and the send time range [`send_at_from`, `send_at_to`). An unknown filter
    is a 400, never ignored.

    Args:
        status (str | Unset):
        campaign_id (int | Unset): A resource's id: an opaque public number, at least 2^52 and
            below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        send_at_from (datetime.datetime | Unset): RFC 3339, UTC.
        send_at_to (datetime.datetime | Unset): RFC 3339, UTC.
        cursor (str | Unset):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MessagePage | Problem]
    """

    kwargs = _get_kwargs(
        status=status,
        campaign_id=campaign_id,
        send_at_from=send_at_from,
        send_at_to=send_at_to,
        cursor=cursor,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    status: str | Unset = UNSET,
    campaign_id: int | Unset = UNSET,
    send_at_from: datetime.datetime | Unset = UNSET,
    send_at_to: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 50,
) -> MessagePage | Problem | None:
    """List the account's messages

     In the order they were planned (by packet, then id), each with the business's own ids of
    its customer, appointment and location. Filters combine: `status` (comma-separated),
    `campaign_id`, and the send time range [`send_at_from`, `send_at_to`). An unknown filter
    is a 400, never ignored.

    Args:
        status (str | Unset):
        campaign_id (int | Unset): A resource's id: an opaque public number, at least 2^52 and
            below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        send_at_from (datetime.datetime | Unset): RFC 3339, UTC.
        send_at_to (datetime.datetime | Unset): RFC 3339, UTC.
        cursor (str | Unset):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MessagePage | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            status=status,
            campaign_id=campaign_id,
            send_at_from=send_at_from,
            send_at_to=send_at_to,
            cursor=cursor,
            limit=limit,
        )
    ).parsed
