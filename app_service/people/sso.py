"""Single sign-on behind the load balancer (optional per stage): the ALB's authenticate-oidc
action signs the user in at the identity provider and forwards `x-amzn-oidc-data`, a JWT
signed (ES256) by the load balancer. It is verified here against the regional public key
endpoint, the signer must be this stage's load balancer and the issuer the configured IdP;
(issuer, subject) then names a user (linked by a provider-verified email the first time)."""

from __future__ import annotations

import re
import urllib.request
from dataclasses import dataclass
from functools import lru_cache

import jwt

from app_service import config

_KID = re.compile(r"^[A-Za-z0-9-]{1,64}$")


class Refused(ValueError):
    """The token is not one this stage's load balancer issued for the configured provider."""


@dataclass(frozen=True)
class SsoSettings:
    region: str
    alb_arn: str
    issuer: str

    @classmethod
    def from_env(cls) -> SsoSettings | None:
        settings = config.current()
        arn, issuer = settings.sso_alb_arn, settings.sso_issuer
        if not arn or not issuer:
            return None
        return cls(settings.aws_region or "us-east-1", arn, issuer)


@dataclass(frozen=True)
class Identity:
    issuer: str
    subject: str
    email: str | None
    """Set only when the provider says it verified the address (used to link a first arrival)."""


def key_url(region: str, kid: str) -> str:
    return f"https://public-keys.auth.elb.{region}.amazonaws.com/{kid}"


@lru_cache(maxsize=32)
def fetch_key(url: str) -> str:
    """The load balancer's public key (PEM); keys are immutable per kid, so cached."""
    with urllib.request.urlopen(url, timeout=5) as response:  # a fixed https AWS host
        return response.read(4096).decode()


def verify(token: str, settings: SsoSettings, fetch=None) -> Identity:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise Refused("malformed token") from None
    kid, signer = header.get("kid", ""), header.get("signer", "")
    if header.get("alg") != "ES256" or not _KID.match(str(kid)):
        raise Refused("unexpected algorithm or key id")
    if signer != settings.alb_arn:
        raise Refused("signed by another load balancer")
    try:
        key = (fetch or fetch_key)(key_url(settings.region, kid))
    except OSError as exc:  # the key endpoint unreachable: no sign-in, and no 500
        raise Refused(f"the load balancer's key is unavailable ({type(exc).__name__})") from None
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=["ES256"],
            options={"require": ["exp", "sub", "iss"]},
            leeway=30,
        )
    except jwt.PyJWTError as exc:
        raise Refused(f"token refused ({type(exc).__name__})") from None
    if claims["iss"] != settings.issuer:
        raise Refused("issued by another identity provider")
    verified = claims.get("email_verified") in (True, "true")
    return Identity(claims["iss"], str(claims["sub"]), claims.get("email") if verified else None)
