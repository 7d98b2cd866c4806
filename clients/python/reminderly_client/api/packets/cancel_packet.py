from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.packet import Packet
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    packet_id: int,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/packets/{packet_id}/cancel".format(
            packet_id=quote(str(packet_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Packet | Problem | None:
    if response.status_code == 200:
        response_200 = Packet.from_dict(response.json())

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

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Packet | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    packet_id: int,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Packet | Problem]:
    """Cancel a packet

     Every message of the packet not yet sent is cancelled. 409 when the packet failed or was already
    cancelled or completed.

    Args:
        packet_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53
            (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Packet | Problem]
    """

    kwargs = _get_kwargs(
        packet_id=packet_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    packet_id: int,
    *,
    client: AuthenticatedClient | Client,
) -> Packet | Problem | None:
    """Cancel a packet

     Every message of the packet not yet sent is cancelled. 409 when the packet failed or was already
    cancelled or completed.

    Args:
        packet_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53
            (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Packet | Problem
    """

    return sync_detailed(
        packet_id=packet_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    packet_id: int,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Packet | Problem]:
    """Cancel a packet

     Every message of the packet not yet sent is cancelled. 409 when the packet failed or was already
    cancelled or completed.

    Args:
        packet_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53
            (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Packet | Problem]
    """

    kwargs = _get_kwargs(
        packet_id=packet_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    packet_id: int,
    *,
    client: AuthenticatedClient | Client,
) -> Packet | Problem | None:
    """Cancel a packet

     Every message of the packet not yet sent is cancelled. 409 when the packet failed or was already
    cancelled or completed.

    Args:
        packet_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53
            (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Packet | Problem
    """

    return (
        await asyncio_detailed(
            packet_id=packet_id,
            client=client,
        )
    ).parsed
