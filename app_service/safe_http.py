"""Outbound HTTP to URLs that account holders choose (webhook endpoints), safe against
server-side request forgery.

- https only, unless the policy is the development one (REMINDERLY_WEBHOOKS_DEV=1).
- The name is resolved here and every address it resolves to is checked at connect time (not
  only when the URL was registered: DNS can change): private, loopback, link-local (cloud
  metadata at 169.254.169.254), shared, reserved and multicast ranges are refused, IPv4-mapped
  IPv6 included. The socket connects to the address that was checked, so a second lookup
  cannot swap it (DNS rebinding). Development allows loopback receivers, nothing else.
- No redirects (http.client follows none), no proxies from the environment, a short connect
  timeout, a per-read timeout and a total deadline (a receiver dripping bytes is cut off), and
  at most `max_body` bytes of the answer are read.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from app_service import config


class Refused(ValueError):
    """A URL or an address this policy will not call (the reason is safe to show)."""


@dataclass(frozen=True)
class Policy:
    allow_http: bool = False
    allow_loopback: bool = False
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    total_timeout: float = 15.0  # a receiver dripping bytes is cut off here
    max_body: int = 4096

    @classmethod
    def from_env(cls) -> Policy:
        """Production rules unless REMINDERLY_WEBHOOKS_DEV=1 (a laptop with a local receiver)."""
        dev = config.current().webhooks_dev
        return cls(allow_http=dev, allow_loopback=dev)


PRODUCTION = Policy()
DEVELOPMENT = Policy(allow_http=True, allow_loopback=True)


def check_address(address: str, policy: Policy) -> None:
    """Raise Refused unless `address` (an IP literal) is a public unicast address (or, in
    development, a loopback one)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback and policy.allow_loopback:
        return
    if not ip.is_global or ip.is_multicast:
        raise Refused(f"{address} is not a public address")


def check_url(url: str, policy: Policy):
    """The URL's parts when its form is acceptable; a literal IP is checked now, names at
    connect time."""
    parts = urlsplit(url)
    allowed = ("https", "http") if policy.allow_http else ("https",)
    if parts.scheme not in allowed:
        raise Refused("must be an https URL")
    if not parts.hostname:
        raise Refused("has no host")
    if parts.username or parts.password:
        raise Refused("must not carry credentials")
    try:
        parts.port  # noqa: B018 (raises for a bad port)
    except ValueError:
        raise Refused("has an invalid port") from None
    if parts.fragment:
        raise Refused("must not have a fragment")
    try:
        ipaddress.ip_address(parts.hostname)
    except ValueError:
        if parts.hostname.lower().rstrip(".") == "localhost" and not policy.allow_loopback:
            raise Refused("localhost is not a public address") from None
        return parts
    check_address(parts.hostname, policy)
    return parts


def _open_socket(host: str, port: int, policy: Policy) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OSError(f"cannot resolve {host}: {exc.strerror}") from None
    for info in infos:  # every address must be allowed: no mix of public and private
        check_address(str(info[4][0]), policy)
    last: OSError = OSError(f"no address for {host}")
    for family, kind, proto, _, address in infos:
        sock = socket.socket(family, kind, proto)
        sock.settimeout(policy.connect_timeout)
        try:
            sock.connect(address)
        except OSError as exc:
            sock.close()
            last = exc
            continue
        sock.settimeout(policy.read_timeout)
        return sock
    raise last


class _Http(http.client.HTTPConnection):
    policy: Policy

    def connect(self) -> None:
        self.sock = _open_socket(self.host, self.port, self.policy)


class _Https(http.client.HTTPSConnection):
    policy: Policy
    tls: ssl.SSLContext

    def connect(self) -> None:
        sock = _open_socket(self.host, self.port, self.policy)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True)
class Answer:
    """What came back: the status (None when there was no answer), the start of the body,
    the time taken, and why it failed when it did."""

    status: int | None
    body: bytes
    latency_ms: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post(url: str, body: bytes, headers: dict[str, str], policy: Policy = PRODUCTION) -> Answer:
    """POST `body` to `url` under `policy`. Raises Refused for a URL or address the policy
    forbids; network errors and timeouts are answers without a status."""
    parts = check_url(url, policy)
    https = parts.scheme == "https"
    cls = _Https if https else _Http
    conn = cls(parts.hostname, parts.port, timeout=policy.read_timeout)
    conn.policy = policy
    if https:
        conn.tls = ssl.create_default_context()
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.monotonic()
    cut = threading.Event()
    watchdog = threading.Timer(policy.total_timeout, _cut, [conn, cut])
    watchdog.start()
    try:
        conn.request(
            "POST",
            path,
            body=body,
            headers={
                **headers,
                "Content-Type": "application/json",
                "User-Agent": "reminderly-webhooks/1",
            },
        )
        response = conn.getresponse()
        data = response.read(policy.max_body)
        if cut.is_set():  # a cut-off answer can parse as complete: it is not one
            raise TimeoutError("total deadline")
        return Answer(response.status, data, _ms(started))
    except Refused:
        raise
    except (OSError, http.client.HTTPException) as exc:
        if cut.is_set():
            reason = f"no complete answer within {policy.total_timeout:g} s"
        elif isinstance(exc, TimeoutError):
            reason = "timed out"
        else:
            reason = str(exc) or type(exc).__name__
        return Answer(None, b"", _ms(started), reason[:500])
    finally:
        watchdog.cancel()
        conn.close()


def _cut(conn: http.client.HTTPConnection, cut: threading.Event) -> None:
    """The total deadline passed: shut the socket down, so a blocked read returns at once."""
    cut.set()
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
