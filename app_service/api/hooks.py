"""What runs around every request: a request id, the limits that hold before anything is read
or looked up (body size, per-address limits), authentication and the per-key rate limit,
the switch to the caller's tenant, the contract check of the request and of the response, and
one JSON log line (ids, route, status, timing; never a body, phone number or email)."""

from __future__ import annotations

import json
import logging
import re
import uuid
from time import perf_counter

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, TooManyRequests

from app_service.api.contract import Contract
from app_service.api.problems import ApiError, problem
from app_service.api.sns_signature import verify_sns
from app_service.api_keys import authenticate
from app_service.web import request_db
from app_service.web import unavailable as web_unavailable
from app_service.web.limits import RateState, client_address, sign_in_failed

log = logging.getLogger("reminderly.api")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_TITLES = {413: "Content Too Large"}


def install(app: Flask, contract: Contract) -> None:
    @app.before_request
    def begin() -> None:
        g.started = perf_counter()
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        operation = (
            contract.operation(request.url_rule.rule, request.method)
            if request.url_rule is not None
            else None
        )
        g.operation = operation  # None: Flask answers 404/405, or not an API operation
        streamed = operation is not None and operation.get("x-streamed-body", False)
        # limits before anything else: no body is read, no key looked up, past them
        limit = _declared_body(app, operation, streamed)
        if operation is None or not operation.get("x-no-address-limit", False):
            _limit_address(app, operation)
        if not streamed:
            _read_body(limit)
        if operation is None:
            return  # /docs, the dashboard
        if operation.get("x-signature") == "sns":
            _verify_signature(app)  # SNS deliveries carry a signature, not an API key
        scope = operation.get("x-required-scope")
        if scope is not None:
            _authenticate(app, scope)
        contract.check_request(operation, request, body=not streamed)

    @app.after_request
    def finish(response: Response) -> Response:
        op = g.get("operation")
        if op is not None and (
            op.get("x-required-scope") is not None or op.get("operationId") in _KEYLESS_WITH_IDS
        ):
            _publish_ids(app, response)  # not the definition itself, health or readiness
        if g.get("operation") is not None and app.config["VALIDATE_RESPONSES"]:
            errors = contract.response_errors(g.operation, response)
            if errors:
                log.error(
                    "response breaks the contract",
                    extra={
                        "operation": g.operation.get("operationId"),
                        "errors": errors[:5],
                        "status": response.status_code,
                        "request_id": g.request_id,
                    },
                )
                response = problem(
                    500, "Internal Server Error", "the response did not match the API definition"
                )
        response.headers["X-Request-Id"] = g.get("request_id", "")
        rate = g.get("rate")
        if rate is not None:
            rate.apply(response)
        _security_headers(response)
        caller = g.get("caller")
        if caller is not None and request.method != "GET" and response.status_code < 400:
            _audit_key_change(caller)
        log.info(
            "request",
            extra={
                "request_id": g.get("request_id"),
                "method": request.method,
                "route": request.url_rule.rule if request.url_rule else None,
                "operation": (g.get("operation") or {}).get("operationId"),
                "status": response.status_code,
                "duration_ms": round((perf_counter() - g.get("started", perf_counter())) * 1000, 2),
                "key_prefix": caller.prefix if caller else None,
                "account_id": caller.account_id if caller else None,
            },
        )
        return response

    @app.teardown_request
    def release(exc: BaseException | None) -> None:
        request_db.release(exc)

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError) -> Response:
        return exc.response()

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        code = exc.code or 500
        headers = (
            {"Allow": ", ".join(exc.valid_methods)} if getattr(exc, "valid_methods", None) else None
        )
        detail = exc.description or exc.name
        if code == 413:
            detail = f"the body exceeds {g.get('body_limit') or request.max_content_length} bytes"
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            headers = {**(headers or {}), "Retry-After": str(retry_after)}
        return problem(code, _TITLES.get(code, exc.name), detail, headers=headers)

    def unavailable(exc: Exception) -> Response:
        detail, headers = web_unavailable.described(exc)
        return problem(503, "Service Unavailable", detail, headers=headers)

    for kind in web_unavailable.KINDS:
        app.register_error_handler(kind, unavailable)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.error("unhandled error", exc_info=exc, extra={"request_id": g.get("request_id")})
        return problem(
            500, "Internal Server Error", "an unexpected error occurred; it has been logged"
        )


# operations without a key whose answers can name a row (survey pages, SNS webhook problems)
_KEYLESS_WITH_IDS = frozenset(
    {"openLink", "answerSurvey", "showUnsubscribe", "unsubscribe", "receiveSnsMessage"}
)


def _publish_ids(app: Flask, response: Response) -> None:
    """Row ids leave as public ids (app_service/public_ids.py): in a JSON body's id fields
    and links, and in Location. The views work with row ids throughout; this is the one place
    they are translated, so none is missed and none translated twice."""
    ids = app.extensions["reminderly.ids"]
    location = response.headers.get("Location")
    if location:
        response.headers["Location"] = ids.publish_path(location)
    if response.is_streamed or response.direct_passthrough:
        return
    if response.mimetype not in ("application/json", "application/problem+json"):
        return
    data = response.get_data()
    if not data:
        return
    published = ids.publish(json.loads(data))
    response.set_data(json.dumps(published, separators=(",", ":")))


# Pages (dashboard, survey and unsubscribe links, /docs) run no inline script and load
# nothing from elsewhere; their own <style> blocks are the one inline thing allowed.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def _security_headers(response: Response) -> None:
    """On every response: no sniffing, no framing, no referrer (link tokens are in the
    path), the policy above; HSTS when the request came over https (the load balancer's
    X-Forwarded-Proto, trusted by gunicorn)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def _body_limit(app: Flask, operation, streamed: bool) -> int:
    if operation is not None:
        return app.config["MAX_PACKET_BYTES" if streamed else "MAX_JSON_BYTES"]
    if request.endpoint == "dashboard.upload":
        return app.config["MAX_UPLOAD_BYTES"]
    return app.config["MAX_FORM_BYTES"]


def _declared_body(app: Flask, operation, streamed: bool) -> int:
    """Every route has a body limit; a declared length over it is refused before a byte is
    read. Returns the limit."""
    limit = _body_limit(app, operation, streamed)
    g.body_limit = limit
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()
    request.max_content_length = limit + 1
    return limit


def _read_body(limit: int) -> None:
    """A body is read to one byte past the limit (werkzeug alone would silently stop at the
    limit of a chunked body), so an oversized one is a 413, never a truncated body. A streamed
    body (a packet) is counted while it is loaded instead (api/routes/packets.py)."""
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if not (request.content_length or chunked):
        return
    if len(request.get_data(parse_form_data=False)) > limit:  # cached for the view and forms
        raise RequestEntityTooLarge()


def _too_many(retry_after: int, detail: str) -> Exception:
    """A 429 with Retry-After: problem+json from the API's handler, a page from the
    console's (dashboard/error_pages.py)."""
    exc = TooManyRequests(detail)
    exc.retry_after = retry_after  # type: ignore[attr-defined]
    return exc


def _limit_address(app: Flask, operation) -> None:
    """A request that does not present an API key to an operation that takes one counts
    against its address's per-minute limit; one that does waits out its address's failed
    sign-ins (checked before the key is looked up), and so does a dashboard sign-in."""
    limits = app.extensions["reminderly.address_limits"]
    address = client_address()
    keyed = (
        operation is not None
        and operation.get("x-required-scope") is not None
        and "Authorization" in request.headers
    )
    if not keyed:
        wait = limits.keyless.hit(address)
        if wait:
            raise _too_many(wait, "too many requests without an API key from this address")
    if keyed or (request.endpoint == "dashboard.login" and request.method == "POST"):
        wait = limits.sign_in.retry_after(address)
        if wait:
            raise _too_many(wait, "too many failed sign-ins from this address")


def _verify_signature(app: Flask) -> None:
    """The SNS webhook takes no key and is not limited per address (SNS delivers from a few
    addresses at the platform's sending rate), but a refused signature counts as a failed
    sign-in: an address that keeps sending forged messages waits before it costs another
    certificate check."""
    limits = app.extensions["reminderly.address_limits"]
    wait = limits.sign_in.retry_after(client_address())
    if wait:
        raise _too_many(wait, "too many refused messages from this address")
    try:
        verify_sns()
    except ApiError as exc:
        if exc.status == 403:
            sign_in_failed(app)
        raise


def _audit_key_change(caller) -> None:
    """A key's successful change goes to the account's audit log (operation, path, key)."""
    from app_service.people import audit

    operation = (g.get("operation") or {}).get("operationId") or request.method
    try:
        audit.record(
            request_db.connection(),
            audit.Actor(
                account_id=caller.account_id,
                key_id=caller.key_id,
                role="key",
                address=request.remote_addr,
                request_id=g.get("request_id"),
            ),
            f"api.{operation}",
            object_type="path",
            object_id=request.path[:100],
        )
    except Exception:  # the change is made; a lost audit line is logged, not a failed request
        log.exception("audit: could not record a key's change")


def _authenticate(app: Flask, scope: str) -> None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        sign_in_failed(app)
        raise ApiError(
            401,
            "Unauthorized",
            "a valid API key is required (Authorization: Bearer rmd_...)",
            headers={"WWW-Authenticate": 'Bearer realm="reminderly"'},
        )
    conn = request_db.connection()
    result = authenticate(conn, token.strip())
    if result.caller is None:
        sign_in_failed(app)
        raise ApiError(
            401,
            "Unauthorized",
            "the API key is unknown, malformed or revoked",
            headers={"WWW-Authenticate": 'Bearer realm="reminderly", error="invalid_token"'},
        )
    g.caller = result.caller
    g.rate = RateState(result.limit, result.used, result.retry_after)
    if result.rate_limited:
        raise ApiError(
            429,
            "Too Many Requests",
            f"the key's limit of {result.limit} requests per minute is spent; "
            f"retry in {result.retry_after} s",
            headers={"Retry-After": str(result.retry_after)},
        )
    if scope not in result.caller.scopes:
        raise ApiError(403, "Forbidden", f"this operation needs the {scope} scope")
    # authenticate() has switched the connection to the caller's tenant (role and account)
