from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.message_detail import MessageDetail
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    message_id: int,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/messages/{message_id}".format(
            message_id=quote(str(message_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> MessageDetail | Problem | None:
    if response.status_code == 200:
        response_200 = MessageDetail.from_dict(response.json())

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
) -> Response[MessageDetail | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    message_id: int,
    *,
    client: AuthenticatedClient | Client,
) -> Response[MessageDetail | Problem]:
    """Get a message

     With its events (delivery receipts, replies, clicks).

    Args:
        message_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53
            (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MessageDetail | Problem]
    """

    kwargs = _get_kwargs(
        message_id=message_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    message_id: int,
    *,
    client: AuthenticatedClient | Client,
) -> MessageDetail | Problem | None:
    """Get a message

     With its events (delivery receipts, replies, clicks).

    Args:
        message_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53
            (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MessageDetail | Problem
    """

    return sync_detailed(
        message_id=message_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    message_id: int,
    *,
    client: AuthenticatedClient | Client,
) -> Response[MessageDetail | Problem]:
    """Get a message

     With its events (delivery receipts, replies, clicks).

    Args:
        message_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53
            (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MessageDetail | Problem]
    """

    kwargs = _get_kwargs(
        message_id=message_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    message_id: int,
    *,
    client: AuthenticatedClient | Client,
) -> MessageDetail | Problem | None:
    """Get a message

     With its events (delivery receipts, replies, clicks).

    Args:
        message_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53
            (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MessageDetail | Problem
    """

    return (
        await asyncio_detailed(
            message_id=message_id,
            client=client,
        )
    ).parsed
