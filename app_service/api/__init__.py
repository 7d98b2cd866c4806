"""The HTTP API (Flask), contract-first: openapi/ is the definition, every request and response
is checked against it (api/contract.py), and every view is registered under its operationId.

create_app() is the WSGI factory gunicorn calls: `app_service.api:create_app()`."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import BaseConverter

from app_service import config
from app_service.api import hooks, routing, sns_signature
from app_service.api.contract import Contract
from app_service.api.ip_limits import AddressLimits
from app_service.api.routes import operations
from app_service.api.spec import bundled
from app_service.config import Settings
from app_service.dashboard import views as dashboard
from app_service.inbound import sns
from app_service.links import LinkSigner, link_secret
from app_service.public_ids import PublicIds, Ref

MAX_JSON_BYTES = 1 << 20
MAX_PACKET_BYTES = 64 << 20
MAX_FORM_BYTES = 64 << 10  # a dashboard or link form: sign-in, survey answer
MAX_UPLOAD_BYTES = (16 << 20) + (64 << 10)  # the dashboard's 16 MiB CSV, with its form


def id_converter(ids: PublicIds) -> type[BaseConverter]:
    """A path segment that is a public id (digits): the view gets its Ref (row id, or 0 when
    it is no public id, so the view answers its own 404); URLs built are public again."""

    class IdConverter(BaseConverter):
        regex = r"\d{1,19}"

        def to_python(self, value: str) -> Ref:
            return ids.ref(int(value))

        def to_url(self, value) -> str:
            return str(getattr(value, "public", None) or ids.encode(int(value)))

    return IdConverter


def create_app(settings: Settings | None = None) -> Flask:
    """The WSGI app, configured by `settings`; gunicorn's `create_app()` reads them from the
    environment (a malformed variable: SettingsError naming it, and no app) and installs them
    for the process. Responses are checked against the contract unless
    REMINDERLY_VALIDATE_RESPONSES=0. SNS deliveries are accepted from the topics in
    REMINDERLY_SNS_TOPICS; links are signed with REMINDERLY_LINK_SECRET. Requests without a key
    are limited per client address (REMINDERLY_KEYLESS_PER_MINUTE,
    REMINDERLY_SIGN_IN_FAILURES_PER_MINUTE); behind a load balancer, REMINDERLY_PROXY_HOPS=1
    takes the client address from X-Forwarded-For."""
    if settings is None:
        settings = Settings.from_env()
        config.install(settings)
    app = Flask(__name__)
    app.extensions["reminderly.settings"] = settings
    app.config.update(
        DATABASE_URL=settings.database_url,
        POOL_SIZE=settings.api_pool_size,
        DB_TIMEOUT_SECONDS=settings.api_db_timeout_seconds,
        MAX_JSON_BYTES=MAX_JSON_BYTES,
        MAX_PACKET_BYTES=MAX_PACKET_BYTES,
        # packets over this size (or sent with Prefer: respond-async) load in a worker: 202
        ASYNC_PACKET_BYTES=settings.async_packet_bytes,
        MAX_FORM_BYTES=MAX_FORM_BYTES,
        MAX_UPLOAD_BYTES=MAX_UPLOAD_BYTES,
        # werkzeug's own ceiling for any body it reads; the per-route limits are in api/hooks.py
        MAX_CONTENT_LENGTH=MAX_PACKET_BYTES + 1,
        VALIDATE_RESPONSES=settings.validate_responses,
        JSON_SORT_KEYS=False,
        SNS_TOPICS=settings.sns_topics,
        SNS_CERT_FETCHER=sns.fetch_certificate,
        SNS_CONFIRM=sns_signature.confirm_subscription,
    )
    app.extensions["reminderly.address_limits"] = AddressLimits.from_config(
        settings.keyless_per_minute, settings.sign_in_failures_per_minute
    )
    hops = settings.proxy_hops
    if hops > 0:  # behind the load balancer: the client is the address it appended
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops)  # type: ignore[method-assign]
    secret = link_secret(settings)
    ids = PublicIds(secret)
    app.extensions["reminderly.ids"] = ids
    app.extensions["reminderly.links"] = LinkSigner(secret, ids)
    app.url_map.converters["id"] = id_converter(ids)  # <id:...>: a public id, read as Ref
    app.json.sort_keys = False
    hooks.install(app, Contract())
    routing.load_views("app_service.api.routes")
    routing.install(app, bundled())  # every operation, at the definition's path and method
    operations.install_docs(app)
    dashboard.configure(app, secret)
    return app
