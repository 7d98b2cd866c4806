from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.campaign_report import CampaignReport
from ...models.get_campaign_report_format import GetCampaignReportFormat
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    campaign_id: int,
    *,
    location_id: int | Unset = UNSET,
    format_: GetCampaignReportFormat | Unset = GetCampaignReportFormat.JSON,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["location_id"] = location_id

    json_format_: str | Unset = UNSET
    if not isinstance(format_, Unset):
        json_format_ = format_.value

    params["format"] = json_format_

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/campaigns/{campaign_id}/report".format(
            campaign_id=quote(str(campaign_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CampaignReport | Problem | None:
    if response.status_code == 200:
        response_200 = CampaignReport.from_dict(response.json())

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
) -> Response[CampaignReport | Problem]:
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
    format_: GetCampaignReportFormat | Unset = GetCampaignReportFormat.JSON,
) -> Response[CampaignReport | Problem]:
    """Campaign funnel

     Where every message of the campaign is and what came back (replies, confirmations, clicks), rates,
    and for surveys NPS, CSAT and the score distribution; for review requests, clicks to the review
    site. Read from rollups: constant time at any size. `format=csv` downloads the same figures as CSV
    (section, metric, value). `location_id` limits every figure to one location.

    Args:
        campaign_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53
            (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        location_id (int | Unset): A resource's id: an opaque public number, at least 2^52 and
            below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        format_ (GetCampaignReportFormat | Unset):  Default: GetCampaignReportFormat.JSON.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CampaignReport | Problem]
    """

    kwargs = _get_kwargs(
        campaign_id=campaign_id,
        location_id=location_id,
        format_=format_,
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
    format_: GetCampaignReportFormat | Unset = GetCampaignReportFormat.JSON,
) -> CampaignReport | Problem | None:
    """Campaign funnel

     Where every message of the campaign is and what came back (replies, confirmations, clicks), rates,
    and for surveys NPS, CSAT and the score distribution; for review requests, clicks to the review
    site. Read from rollups: constant time at any size. `format=csv` downloads the same figures as CSV
    (section, metric, value). `location_id` limits every figure to one location.

    Args:
        campaign_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53
            (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        location_id (int | Unset): A resource's id: an opaque public number, at least 2^52 and
            below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        format_ (GetCampaignReportFormat | Unset):  Default: GetCampaignReportFormat.JSON.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CampaignReport | Problem
    """

    return sync_detailed(
        campaign_id=campaign_id,
        client=client,
        location_id=location_id,
        format_=format_,
    ).parsed


async def asyncio_detailed(
    campaign_id: int,
    *,
    client: AuthenticatedClient | Client,
    location_id: int | Unset = UNSET,
    format_: GetCampaignReportFormat | Unset = GetCampaignReportFormat.JSON,
) -> Response[CampaignReport | Problem]:
    """Campaign funnel

     Where every message of the campaign is and what came back (replies, confirmations, clicks), rates,
    and for surveys NPS, CSAT and the score distribution; for review requests, clicks to the review
    site. Read from rollups: constant time at any size. `format=csv` downloads the same figures as CSV
    (section, metric, value). `location_id` limits every figure to one location.

    Args:
        campaign_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53
            (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        location_id (int | Unset): A resource's id: an opaque public number, at least 2^52 and
            below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        format_ (GetCampaignReportFormat | Unset):  Default: GetCampaignReportFormat.JSON.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CampaignReport | Problem]
    """

    kwargs = _get_kwargs(
        campaign_id=campaign_id,
        location_id=location_id,
        format_=format_,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    campaign_id: int,
    *,
    client: AuthenticatedClient | Client,
    location_id: int | Unset = UNSET,
    format_: GetCampaignReportFormat | Unset = GetCampaignReportFormat.JSON,
) -> CampaignReport | Problem | None:
    """Campaign funnel

     Where every message of the campaign is and what came back (replies, confirmations, clicks), rates,
    and for surveys NPS, CSAT and the score distribution; for review requests, clicks to the review
    site. Read from rollups: constant time at any size. `format=csv` downloads the same figures as CSV
    (section, metric, value). `location_id` limits every figure to one location.

    Args:
        campaign_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53
            (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        location_id (int | Unset): A resource's id: an opaque public number, at least 2^52 and
            below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        format_ (GetCampaignReportFormat | Unset):  Default: GetCampaignReportFormat.JSON.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CampaignReport | Problem
    """

    return (
        await asyncio_detailed(
            campaign_id=campaign_id,
            client=client,
            location_id=location_id,
            format_=format_,
        )
    ).parsed
