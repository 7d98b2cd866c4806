"""The limits both the API and the console apply: a key's per-minute window (reported in the
RateLimit headers) and failed sign-ins counted per client address."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Response, request


@dataclass(frozen=True)
class RateState:
    """The caller's per-minute window, sent on every authenticated response as the IETF
    draft's fields (draft-ietf-httpapi-ratelimit-headers, the -07 form): RateLimit-Limit,
    RateLimit-Remaining, RateLimit-Reset (seconds until the window resets)."""

    limit: int
    used: int
    reset_seconds: int

    def apply(self, response: Response) -> None:
        response.headers["RateLimit-Limit"] = str(self.limit)
        response.headers["RateLimit-Remaining"] = str(max(0, self.limit - self.used))
        response.headers["RateLimit-Reset"] = str(self.reset_seconds)


def client_address() -> str:
    return request.remote_addr or "unknown"


def sign_in_failed(app: Flask) -> None:
    """Count a failed sign-in (a wrong API key, in the API or the console) for the address."""
    app.extensions["reminderly.address_limits"].sign_in.hit(client_address())
