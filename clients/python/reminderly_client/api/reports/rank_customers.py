from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.campaign_kind import CampaignKind
from ...models.customer_score_list import CustomerScoreList
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    kind: CampaignKind,
    limit: int | Unset = 50,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_kind = kind.value
    params["kind"] = json_kind

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/analytics/customers",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CustomerScoreList | Problem | None:
    if response.status_code == 200:
        response_200 = CustomerScoreList.from_dict(response.json())

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

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CustomerScoreList | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    kind: CampaignKind,
    limit: int | Unset = 50,
) -> Response[CustomerScoreList | Problem]:
    """Customers ranked by their likelihood to respond

     Customers of the account for a campaign kind, most likely to respond first, with the probability to
    respond and to respond positively, the evidence behind each, and the local hour and weekday they
    answer most. Scores are recency-weighted (a 90-day half-life) and shrunk toward the account's rate
    (Beta-Binomial empirical Bayes), so one reply to one message does not rank first; they are refreshed
    daily by the workers (or `reminderly analytics refresh`). The scores may order who is asked first,
    never who is asked: review requests are never restricted to predicted promoters (review sites forbid
    review gating).

    Args:
        kind (CampaignKind):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CustomerScoreList | Problem]
    """

    kwargs = _get_kwargs(
        kind=kind,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    kind: CampaignKind,
    limit: int | Unset = 50,
) -> CustomerScoreList | Problem | None:
    """Customers ranked by their likelihood to respond

     Customers of the account for a campaign kind, most likely to respond first, with the probability to
    respond and to respond positively, the evidence behind each, and the local hour and weekday they
    answer most. Scores are recency-weighted (a 90-day half-life) and shrunk toward the account's rate
    (Beta-Binomial empirical Bayes), so one reply to one message does not rank first; they are refreshed
    daily by the workers (or `reminderly analytics refresh`). The scores may order who is asked first,
    never who is asked: review requests are never restricted to predicted promoters (review sites forbid
    review gating).

    Args:
        kind (CampaignKind):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CustomerScoreList | Problem
    """

    return sync_detailed(
        client=client,
        kind=kind,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    kind: CampaignKind,
    limit: int | Unset = 50,
) -> Response[CustomerScoreList | Problem]:
    """Customers ranked by their likelihood to respond

     Customers of the account for a campaign kind, most likely to respond first, with the probability to
    respond and to respond positively, the evidence behind each, and the local hour and weekday they
    answer most. Scores are recency-weighted (a 90-day half-life) and shrunk toward the account's rate
    (Beta-Binomial empirical Bayes), so one reply to one message does not rank first; they are refreshed
    daily by the workers (or `reminderly analytics refresh`). The scores may order who is asked first,
    never who is asked: review requests are never restricted to predicted promoters (review sites forbid
    review gating).

    Args:
        kind (CampaignKind):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CustomerScoreList | Problem]
    """

    kwargs = _get_kwargs(
        kind=kind,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    kind: CampaignKind,
    limit: int | Unset = 50,
) -> CustomerScoreList | Problem | None:
    """Customers ranked by their likelihood to respond

     Customers of the account for a campaign kind, most likely to respond first, with the probability to
    respond and to respond positively, the evidence behind each, and the local hour and weekday they
    answer most. Scores are recency-weighted (a 90-day half-life) and shrunk toward the account's rate
    (Beta-Binomial empirical Bayes), so one reply to one message does not rank first; they are refreshed
    daily by the workers (or `reminderly analytics refresh`). The scores may order who is asked first,
    never who is asked: review requests are never restricted to predicted promoters (review sites forbid
    review gating).

    Args:
        kind (CampaignKind):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CustomerScoreList | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            kind=kind,
            limit=limit,
        )
    ).parsed
