import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.get_campaign_timeseries_bucket import GetCampaignTimeseriesBucket
from ...models.problem import Problem
from ...models.time_series import TimeSeries
from ...types import UNSET, Response, Unset


def _get_kwargs(
    campaign_id: int,
    *,
    location_id: int | Unset = UNSET,
    bucket: GetCampaignTimeseriesBucket | Unset = GetCampaignTimeseriesBucket.DAY,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["location_id"] = location_id

    json_bucket: str | Unset = UNSET
    if not isinstance(bucket, Unset):
        json_bucket = bucket.value

    params["bucket"] = json_bucket

    json_since: str | Unset = UNSET
    if not isinstance(since, Unset):
        json_since = since.isoformat()
    params["since"] = json_since

    json_until: str | Unset = UNSET
    if not isinstance(until, Unset):
        json_until = until.isoformat()
    params["until"] = json_until

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/campaigns/{campaign_id}/report/timeseries".format(
            campaign_id=quote(str(campaign_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | TimeSeries | None:
    if response.status_code == 200:
        response_200 = TimeSeries.from_dict(response.json())

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
) -> Response[Problem | TimeSeries]:
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
    location_id: int | Unset = UNSET,
    bucket: GetCampaignTimeseriesBucket | Unset = GetCampaignTimeseriesBucket.DAY,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
) -> Response[Problem | TimeSeries]:
    """Campaign activity over time

     Sent, delivered, responses (replies and survey answers) and clicks per hour or day (the
    account's timezone; each bucket is the instant it starts), from the hourly rollup. Defaults
    to the last 7 days; at most 92 days. A longer range is answered for its last 92 days (the
    answer's `since` says from when); a `since` after `until` is an empty range (no points).

    Args:
        campaign_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53
            (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        location_id (int | Unset): A resource's id: an opaque public number, at least 2^52 and
            below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        bucket (GetCampaignTimeseriesBucket | Unset):  Default: GetCampaignTimeseriesBucket.DAY.
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TimeSeries]
    """

    kwargs = _get_kwargs(
        campaign_id=campaign_id,
        location_id=location_id,
        bucket=bucket,
        since=since,
        until=until,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    campaign_id: int,
    *,
    client: AuthenticatedClient | Client,
    location_id: int | Unset = UNSET,
    bucket: GetCampaignTimeseriesBucket | Unset = GetCampaignTimeseriesBucket.DAY,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
) -> Problem | TimeSeries | None:
    """Campaign activity over time

     Sent, delivered, responses (replies and survey answers) and clicks per hour or day (the
    account's timezone; each bucket is the instant it starts), from the hourly rollup. Defaults
    to the last 7 days; at most 92 days. A longer range is answered for its last 92 days (the
    answer's `since` says from when); a `since` after `until` is an empty range (no points).

    Args:
        campaign_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53
            (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        location_id (int | Unset): A resource's id: an opaque public number, at least 2^52 and
            below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        bucket (GetCampaignTimeseriesBucket | Unset):  Default: GetCampaignTimeseriesBucket.DAY.
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TimeSeries
    """

    return sync_detailed(
        campaign_id=campaign_id,
        client=client,
        location_id=location_id,
        bucket=bucket,
        since=since,
        until=until,
    ).parsed


async def asyncio_detailed(
    campaign_id: int,
    *,
    client: AuthenticatedClient | Client,
    location_id: int | Unset = UNSET,
    bucket: GetCampaignTimeseriesBucket | Unset = GetCampaignTimeseriesBucket.DAY,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
) -> Response[Problem | TimeSeries]:
    """Campaign activity over time

     Sent, delivered, responses (replies and survey answers) and clicks per hour or day (the
    account's timezone; each bucket is the instant it starts), from the hourly rollup. Defaults
    to the last 7 days; at most 92 days. A longer range is answered for its last 92 days (the
    answer's `since` says from when); a `since` after `until` is an empty range (no points).

    Args:
        campaign_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53
            (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        location_id (int | Unset): A resource's id: an opaque public number, at least 2^52 and
            below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        bucket (GetCampaignTimeseriesBucket | Unset):  Default: GetCampaignTimeseriesBucket.DAY.
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TimeSeries]
    """

    kwargs = _get_kwargs(
        campaign_id=campaign_id,
        location_id=location_id,
        bucket=bucket,
        since=since,
        until=until,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    campaign_id: int,
    *,
    client: AuthenticatedClient | Client,
    location_id: int | Unset = UNSET,
    bucket: GetCampaignTimeseriesBucket | Unset = GetCampaignTimeseriesBucket.DAY,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
) -> Problem | TimeSeries | None:
    """Campaign activity over time

     Sent, delivered, responses (replies and survey answers) and clicks per hour or day (the
    account's timezone; each bucket is the instant it starts), from the hourly rollup. Defaults
    to the last 7 days; at most 92 days. A longer range is answered for its last 92 days (the
    answer's `since` says from when); a `since` after `until` is an empty range (no points).

    Args:
        campaign_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53
            (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        location_id (int | Unset): A resource's id: an opaque public number, at least 2^52 and
            below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        bucket (GetCampaignTimeseriesBucket | Unset):  Default: GetCampaignTimeseriesBucket.DAY.
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TimeSeries
    """

    return (
        await asyncio_detailed(
            campaign_id=campaign_id,
            client=client,
            location_id=location_id,
            bucket=bucket,
            since=since,
            until=until,
        )
    ).parsed
