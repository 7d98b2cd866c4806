import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.packet import Packet
from ...models.packet_row import PacketRow
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    campaign_id: int,
    *,
    body: list[PacketRow],
    dry_run: bool | Unset = UNSET,
    snapshot_from: datetime.datetime | Unset = UNSET,
    snapshot_to: datetime.datetime | Unset = UNSET,
    snapshot_locations: str | Unset = UNSET,
    force: bool | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
    prefer: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    if not isinstance(prefer, Unset):
        headers["Prefer"] = prefer

    params: dict[str, Any] = {}

    params["dry_run"] = dry_run

    json_snapshot_from: str | Unset = UNSET
    if not isinstance(snapshot_from, Unset):
        json_snapshot_from = snapshot_from.isoformat()
    params["snapshot_from"] = json_snapshot_from

    json_snapshot_to: str | Unset = UNSET
    if not isinstance(snapshot_to, Unset):
        json_snapshot_to = snapshot_to.isoformat()
    params["snapshot_to"] = json_snapshot_to

    params["snapshot_locations"] = snapshot_locations

    params["force"] = force

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/campaigns/{campaign_id}/packets".format(
            campaign_id=quote(str(campaign_id), safe=""),
        ),
        "params": params,
    }

    _kwargs["json"] = []
    for body_item_data in body:
        body_item = body_item_data.to_dict()
        _kwargs["json"].append(body_item)

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Packet | Problem | None:
    if response.status_code == 200:
        response_200 = Packet.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = Packet.from_dict(response.json())

        return response_201

    if response.status_code == 202:
        response_202 = Packet.from_dict(response.json())

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

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

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
    campaign_id: int,
    *,
    client: AuthenticatedClient | Client,
    body: list[PacketRow],
    dry_run: bool | Unset = UNSET,
    snapshot_from: datetime.datetime | Unset = UNSET,
    snapshot_to: datetime.datetime | Unset = UNSET,
    snapshot_locations: str | Unset = UNSET,
    force: bool | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
    prefer: str | Unset = UNSET,
) -> Response[Packet | Problem]:
    """Submit a packet

     Appointments for the campaign as a JSON array of rows or a CSV file (header row of the same
    column names), streamed, at most 64 MiB. The packet is loaded, validated and planned before the
    response: 201 with its counts (rejected rows are listed at `links.errors`, each with every error
    it has); 422 when the packet is empty or every row was rejected; 400 when the body is not a JSON
    array or CSV with the required columns. The same content (and snapshot scope) for the same
    campaign is one packet (200 with `duplicate_of`).

    Rows are judged by what the campaign uses: a cancellation (`status: cancelled`) needs only
    `customer_id` and `appointment_id`; a booked row needs `appointment_at` (every kind) and the
    address of the campaign's channel, and a reminder also `appointment_id`; a phone or email the
    campaign does not send to is kept when valid and otherwise dropped with a warning.

    The campaign plans its messages for every booked appointment of the packet it has none for
    yet, whether the appointment is new to the account or not. A change the packet makes to an
    appointment (cancelled, moved, given to another customer) applies to its pending messages in
    every campaign of the account (`effects`).

    **Snapshots**: with `snapshot_from` and `snapshot_to` (and optionally `snapshot_locations`) the
    packet is the full list of the appointments starting in that range (at those locations): booked
    appointments of the scope it does not hold are cancelled (`absent_from_snapshot`). A snapshot
    that would cancel more than the account's share (default 50%) of its scope's booked
    appointments is refused with 422 and nothing is kept; send it again with `force=true`.

    **Big uploads load in the background**: a body over 8 MiB, or any body sent with `Prefer:
    respond-async`, is stored and answered at once with 202, the packet's URL in `Location`
    and `status: receiving`; a worker loads it (`loading`, with `rows.read` as progress) to
    `ready` or `failed` (with the reason; nothing half-loaded). Poll the packet. A load whose
    worker died fails with the reason, and the same Idempotency-Key may be sent again.

    **Dry run**: with `dry_run=true` the load runs and is rolled back: 200 with what it would do
    (the packet shape with `dry_run: true` and the first 100 `row_errors`); nothing is kept. A dry
    run takes no Idempotency-Key.

    Args:
        campaign_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53
            (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        dry_run (bool | Unset):
        snapshot_from (datetime.datetime | Unset):
        snapshot_to (datetime.datetime | Unset):
        snapshot_locations (str | Unset):
        force (bool | Unset):
        idempotency_key (str | Unset):
        prefer (str | Unset):
        body (list[PacketRow]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Packet | Problem]
    """

    kwargs = _get_kwargs(
        campaign_id=campaign_id,
        body=body,
        dry_run=dry_run,
        snapshot_from=snapshot_from,
        snapshot_to=snapshot_to,
        snapshot_locations=snapshot_locations,
        force=force,
        idempotency_key=idempotency_key,
        prefer=prefer,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    campaign_id: int,
    *,
    client: AuthenticatedClient | Client,
    body: list[PacketRow],
    dry_run: bool | Unset = UNSET,
    snapshot_from: datetime.datetime | Unset = UNSET,
    snapshot_to: datetime.datetime | Unset = UNSET,
    snapshot_locations: str | Unset = UNSET,
    force: bool | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
    prefer: str | Unset = UNSET,
) -> Packet | Problem | None:
    """Submit a packet

     Appointments for the campaign as a JSON array of rows or a CSV file (header row of the same
    column names), streamed, at most 64 MiB. The packet is loaded, validated and planned before the
    response: 201 with its counts (rejected rows are listed at `links.errors`, each with every error
    it has); 422 when the packet is empty or every row was rejected; 400 when the body is not a JSON
    array or CSV with the required columns. The same content (and snapshot scope) for the same
    campaign is one packet (200 with `duplicate_of`).

    Rows are judged by what the campaign uses: a cancellation (`status: cancelled`) needs only
    `customer_id` and `appointment_id`; a booked row needs `appointment_at` (every kind) and the
    address of the campaign's channel, and a reminder also `appointment_id`; a phone or email the
    campaign does not send to is kept when valid and otherwise dropped with a warning.

    The campaign plans its messages for every booked appointment of the packet it has none for
    yet, whether the appointment is new to the account or not. A change the packet makes to an
    appointment (cancelled, moved, given to another customer) applies to its pending messages in
    every campaign of the account (`effects`).

    **Snapshots**: with `snapshot_from` and `snapshot_to` (and optionally `snapshot_locations`) the
    packet is the full list of the appointments starting in that range (at those locations): booked
    appointments of the scope it does not hold are cancelled (`absent_from_snapshot`). A snapshot
    that would cancel more than the account's share (default 50%) of its scope's booked
    appointments is refused with 422 and nothing is kept; send it again with `force=true`.

    **Big uploads load in the background**: a body over 8 MiB, or any body sent with `Prefer:
    respond-async`, is stored and answered at once with 202, the packet's URL in `Location`
    and `status: receiving`; a worker loads it (`loading`, with `rows.read` as progress) to
    `ready` or `failed` (with the reason; nothing half-loaded). Poll the packet. A load whose
    worker died fails with the reason, and the same Idempotency-Key may be sent again.

    **Dry run**: with `dry_run=true` the load runs and is rolled back: 200 with what it would do
    (the packet shape with `dry_run: true` and the first 100 `row_errors`); nothing is kept. A dry
    run takes no Idempotency-Key.

    Args:
        campaign_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53
            (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        dry_run (bool | Unset):
        snapshot_from (datetime.datetime | Unset):
        snapshot_to (datetime.datetime | Unset):
        snapshot_locations (str | Unset):
        force (bool | Unset):
        idempotency_key (str | Unset):
        prefer (str | Unset):
        body (list[PacketRow]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Packet | Problem
    """

    return sync_detailed(
        campaign_id=campaign_id,
        client=client,
        body=body,
        dry_run=dry_run,
        snapshot_from=snapshot_from,
        snapshot_to=snapshot_to,
        snapshot_locations=snapshot_locations,
        force=force,
        idempotency_key=idempotency_key,
        prefer=prefer,
    ).parsed


async def asyncio_detailed(
    campaign_id: int,
    *,
    client: AuthenticatedClient | Client,
    body: list[PacketRow],
    dry_run: bool | Unset = UNSET,
    snapshot_from: datetime.datetime | Unset = UNSET,
    snapshot_to: datetime.datetime | Unset = UNSET,
    snapshot_locations: str | Unset = UNSET,
    force: bool | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
    prefer: str | Unset = UNSET,
) -> Response[Packet | Problem]:
    """Submit a packet

     Appointments for the campaign as a JSON array of rows or a CSV file (header row of the same
    column names), streamed, at most 64 MiB. The packet is loaded, validated and planned before the
    response: 201 with its counts (rejected rows are listed at `links.errors`, each with every error
    it has); 422 when the packet is empty or every row was rejected; 400 when the body is not a JSON
    array or CSV with the required columns. The same content (and snapshot scope) for the same
    campaign is one packet (200 with `duplicate_of`).

    Rows are judged by what the campaign uses: a cancellation (`status: cancelled`) needs only
    `customer_id` and `appointment_id`; a booked row needs `appointment_at` (every kind) and the
    address of the campaign's channel, and a reminder also `appointment_id`; a phone or email the
    campaign does not send to is kept when valid and otherwise dropped with a warning.

    The campaign plans its messages for every booked appointment of the packet it has none for
    yet, whether the appointment is new to the account or not. A change the packet makes to an
    appointment (cancelled, moved, given to another customer) applies to its pending messages in
    every campaign of the account (`effects`).

    **Snapshots**: with `snapshot_from` and `snapshot_to` (and optionally `snapshot_locations`) the
    packet is the full list of the appointments starting in that range (at those locations): booked
    appointments of the scope it does not hold are cancelled (`absent_from_snapshot`). A snapshot
    that would cancel more than the account's share (default 50%) of its scope's booked
    appointments is refused with 422 and nothing is kept; send it again with `force=true`.

    **Big uploads load in the background**: a body over 8 MiB, or any body sent with `Prefer:
    respond-async`, is stored and answered at once with 202, the packet's URL in `Location`
    and `status: receiving`; a worker loads it (`loading`, with `rows.read` as progress) to
    `ready` or `failed` (with the reason; nothing half-loaded). Poll the packet. A load whose
    worker died fails with the reason, and the same Idempotency-Key may be sent again.

    **Dry run**: with `dry_run=true` the load runs and is rolled back: 200 with what it would do
    (the packet shape with `dry_run: true` and the first 100 `row_errors`); nothing is kept. A dry
    run takes no Idempotency-Key.

    Args:
        campaign_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53
            (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        dry_run (bool | Unset):
        snapshot_from (datetime.datetime | Unset):
        snapshot_to (datetime.datetime | Unset):
        snapshot_locations (str | Unset):
        force (bool | Unset):
        idempotency_key (str | Unset):
        prefer (str | Unset):
        body (list[PacketRow]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Packet | Problem]
    """

    kwargs = _get_kwargs(
        campaign_id=campaign_id,
        body=body,
        dry_run=dry_run,
        snapshot_from=snapshot_from,
        snapshot_to=snapshot_to,
        snapshot_locations=snapshot_locations,
        force=force,
        idempotency_key=idempotency_key,
        prefer=prefer,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    campaign_id: int,
    *,
    client: AuthenticatedClient | Client,
    body: list[PacketRow],
    dry_run: bool | Unset = UNSET,
    snapshot_from: datetime.datetime | Unset = UNSET,
    snapshot_to: datetime.datetime | Unset = UNSET,
    snapshot_locations: str | Unset = UNSET,
    force: bool | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
    prefer: str | Unset = UNSET,
) -> Packet | Problem | None:
    """Submit a packet

     Appointments for the campaign as a JSON array of rows or a CSV file (header row of the same
    column names), streamed, at most 64 MiB. The packet is loaded, validated and planned before the
    response: 201 with its counts (rejected rows are listed at `links.errors`, each with every error
    it has); 422 when the packet is empty or every row was rejected; 400 when the body is not a JSON
    array or CSV with the required columns. The same content (and snapshot scope) for the same
    campaign is one packet (200 with `duplicate_of`).

    Rows are judged by what the campaign uses: a cancellation (`status: cancelled`) needs only
    `customer_id` and `appointment_id`; a booked row needs `appointment_at` (every kind) and the
    address of the campaign's channel, and a reminder also `appointment_id`; a phone or email the
    campaign does not send to is kept when valid and otherwise dropped with a warning.

    The campaign plans its messages for every booked appointment of the packet it has none for
    yet, whether the appointment is new to the account or not. A change the packet makes to an
    appointment (cancelled, moved, given to another customer) applies to its pending messages in
    every campaign of the account (`effects`).

    **Snapshots**: with `snapshot_from` and `snapshot_to` (and optionally `snapshot_locations`) the
    packet is the full list of the appointments starting in that range (at those locations): booked
    appointments of the scope it does not hold are cancelled (`absent_from_snapshot`). A snapshot
    that would cancel more than the account's share (default 50%) of its scope's booked
    appointments is refused with 422 and nothing is kept; send it again with `force=true`.

    **Big uploads load in the background**: a body over 8 MiB, or any body sent with `Prefer:
    respond-async`, is stored and answered at once with 202, the packet's URL in `Location`
    and `status: receiving`; a worker loads it (`loading`, with `rows.read` as progress) to
    `ready` or `failed` (with the reason; nothing half-loaded). Poll the packet. A load whose
    worker died fails with the reason, and the same Idempotency-Key may be sent again.

    **Dry run**: with `dry_run=true` the load runs and is rolled back: 200 with what it would do
    (the packet shape with `dry_run: true` and the first 100 `row_errors`); nothing is kept. A dry
    run takes no Idempotency-Key.

    Args:
        campaign_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53
            (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        dry_run (bool | Unset):
        snapshot_from (datetime.datetime | Unset):
        snapshot_to (datetime.datetime | Unset):
        snapshot_locations (str | Unset):
        force (bool | Unset):
        idempotency_key (str | Unset):
        prefer (str | Unset):
        body (list[PacketRow]):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Packet | Problem
    """

    return (
        await asyncio_detailed(
            campaign_id=campaign_id,
            client=client,
            body=body,
            dry_run=dry_run,
            snapshot_from=snapshot_from,
            snapshot_to=snapshot_to,
            snapshot_locations=snapshot_locations,
            force=force,
            idempotency_key=idempotency_key,
            prefer=prefer,
        )
    ).parsed
