import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.audit_page import AuditPage
from ...models.list_audit_log_format import ListAuditLogFormat
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    action: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    format_: ListAuditLogFormat | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 50,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["action"] = action

    json_since: str | Unset = UNSET
    if not isinstance(since, Unset):
        json_since = since.isoformat()
    params["since"] = json_since

    json_format_: str | Unset = UNSET
    if not isinstance(format_, Unset):
        json_format_ = format_.value

    params["format"] = json_format_

    params["cursor"] = cursor

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/audit-log",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> AuditPage | Problem | None:
    if response.status_code == 200:
        response_200 = AuditPage.from_dict(response.json())

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[AuditPage | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    action: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    format_: ListAuditLogFormat | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[AuditPage | Problem]:
    """The account's audit log

     Every change made by a person in the console or by an API key (who, with which role, what,
    before and after, when, from which address, with which request id), sign-ins and failed
    sign-ins, and who viewed a customer's record; newest first. The log is append-only: no
    login of the service may change or delete an entry, and entries older than the account's
    retention are purged. Ids in entries are public ids, as everywhere in this API.
    `format=csv` returns up to 10,000 entries as one CSV file (formula-looking cells
    neutralised) instead of a page.

    Args:
        action (str | Unset):
        since (datetime.datetime | Unset):
        format_ (ListAuditLogFormat | Unset):
        cursor (str | Unset):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuditPage | Problem]
    """

    kwargs = _get_kwargs(
        action=action,
        since=since,
        format_=format_,
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
    action: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    format_: ListAuditLogFormat | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 50,
) -> AuditPage | Problem | None:
    """The account's audit log

     Every change made by a person in the console or by an API key (who, with which role, what,
    before and after, when, from which address, with which request id), sign-ins and failed
    sign-ins, and who viewed a customer's record; newest first. The log is append-only: no
    login of the service may change or delete an entry, and entries older than the account's
    retention are purged. Ids in entries are public ids, as everywhere in this API.
    `format=csv` returns up to 10,000 entries as one CSV file (formula-looking cells
    neutralised) instead of a page.

    Args:
        action (str | Unset):
        since (datetime.datetime | Unset):
        format_ (ListAuditLogFormat | Unset):
        cursor (str | Unset):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuditPage | Problem
    """

    return sync_detailed(
        client=client,
        action=action,
        since=since,
        format_=format_,
        cursor=cursor,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    action: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    format_: ListAuditLogFormat | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 50,
) -> Response[AuditPage | Problem]:
    """The account's audit log

     Every change made by a person in the console or by an API key (who, with which role, what,
    before and after, when, from which address, with which request id), sign-ins and failed
    sign-ins, and who viewed a customer's record; newest first. The log is append-only: no
    login of the service may change or delete an entry, and entries older than the account's
    retention are purged. Ids in entries are public ids, as everywhere in this API.
    `format=csv` returns up to 10,000 entries as one CSV file (formula-looking cells
    neutralised) instead of a page.

    Args:
        action (str | Unset):
        since (datetime.datetime | Unset):
        format_ (ListAuditLogFormat | Unset):
        cursor (str | Unset):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuditPage | Problem]
    """

    kwargs = _get_kwargs(
        action=action,
        since=since,
        format_=format_,
        cursor=cursor,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    action: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    format_: ListAuditLogFormat | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 50,
) -> AuditPage | Problem | None:
    """The account's audit log

     Every change made by a person in the console or by an API key (who, with which role, what,
    before and after, when, from which address, with which request id), sign-ins and failed
    sign-ins, and who viewed a customer's record; newest first. The log is append-only: no
    login of the service may change or delete an entry, and entries older than the account's
    retention are purged. Ids in entries are public ids, as everywhere in this API.
    `format=csv` returns up to 10,000 entries as one CSV file (formula-looking cells
    neutralised) instead of a page.

    Args:
        action (str | Unset):
        since (datetime.datetime | Unset):
        format_ (ListAuditLogFormat | Unset):
        cursor (str | Unset):
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuditPage | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            action=action,
            since=since,
            format_=format_,
            cursor=cursor,
            limit=limit,
        )
    ).parsed
