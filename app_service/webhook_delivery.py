"""Webhook delivery by the worker, by the Standard Webhooks specification (the
`standardwebhooks` package signs): headers webhook-id (`evt_<event id>`, the same on every
attempt), webhook-timestamp and webhook-signature (HMAC-SHA256; during a secret rotation's
overlap one signature per secret).

A thread in the `reminderly worker` process (started like the packet loader) loops:
fan new events out to the endpoints that want them (fan_out_events), lease the endpoints with a
due delivery, and deliver each leased endpoint's deliveries one at a time, several endpoints at
once. Order holds per resource (the customer, else the packet; db/procedures/150_events.sql):
a delivery that fails waits for a retry with exponential backoff and jitter, within a retry
window (about three days), with the later deliveries of its resource behind it; other
resources' events to the same endpoint go on. After the window it is failed and the next of
its resource goes. Delivery is at
least once: a worker that dies between the receiver's 2xx and the commit sends again after its
lease runs out, with the same webhook-id, which receivers deduplicate on. Every attempt is
logged (status, latency, the start of the answer). Outbound calls go through safe_http."""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg_pool import ConnectionPool
from standardwebhooks.webhooks import Webhook

from app_service import config, events, safe_http, telemetry
from app_service.db import one, open_pool, rows
from app_service.links import link_secret
from app_service.public_ids import PublicIds
from app_service.queries import Q
from deploy_contract import metrics as M

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliverySettings:
    retry_base: timedelta = timedelta(seconds=5)
    retry_max: timedelta = timedelta(hours=6)
    retry_window: timedelta = timedelta(days=3)
    disable_after: timedelta = timedelta(days=5)
    lease: timedelta = timedelta(minutes=10)  # > batch x the total HTTP deadline
    endpoints_at_once: int = 4
    batch: int = 20  # deliveries per endpoint per lease
    idle_seconds: float = 1.0
    purge_every: timedelta = timedelta(hours=1)
    policy: safe_http.Policy = field(default_factory=safe_http.Policy.from_env)

    @classmethod
    def from_env(cls) -> DeliverySettings:
        """REMINDERLY_WEBHOOK_RETRY_HOURS (72) and REMINDERLY_WEBHOOK_DISABLE_AFTER_HOURS (120)."""
        settings = config.current()
        return cls(
            retry_window=timedelta(hours=settings.webhook_retry_hours),
            disable_after=timedelta(hours=settings.webhook_disable_after_hours),
        )


def signature(endpoint: dict, msg_id: str, when: datetime, body: str) -> str:
    """The webhook-signature header: the current secret's, and the previous one's while the
    rotation overlap lasts."""
    secrets = [endpoint["secret"]]
    expires = endpoint.get("previous_secret_expires_at")
    if endpoint.get("previous_secret") and expires and expires > datetime.now(UTC):
        secrets.append(endpoint["previous_secret"])
    return " ".join(Webhook(s).sign(msg_id, when, body) for s in secrets)


def request_for(
    endpoint: dict, delivery: dict, ids: PublicIds | None = None
) -> tuple[bytes, dict[str, str]]:
    """The body and the Standard Webhooks headers of one attempt. Ids in it are public ids
    (public_ids), as in the API's event feed; `ids` defaults to the link secret's."""
    ids = ids or PublicIds(link_secret())
    envelope = ids.publish(events.envelope({**delivery, "id": delivery["event_id"]}))
    body = json.dumps(envelope, separators=(",", ":"))
    msg_id = f"evt_{envelope['id']}"
    now = datetime.now(UTC).replace(microsecond=0)
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature(endpoint, msg_id, now, body),
    }
    return body.encode(), headers


class WebhookDispatcher(threading.Thread):
    """The worker's webhook thread. `run_once` is one pass (tests call it directly)."""

    def __init__(
        self,
        url: str,
        owner: str,
        settings: DeliverySettings | None = None,
        ids: PublicIds | None = None,
    ):
        super().__init__(name="webhook-dispatcher", daemon=True)
        self.ids = ids or PublicIds(link_secret())
        self.settings = settings or DeliverySettings.from_env()
        self._url = url
        self._owner = owner
        self._halt = threading.Event()
        self._pool: ConnectionPool | None = None
        self._last_purge = 0.0

    def pool(self) -> ConnectionPool:
        if self._pool is None:
            size = self.settings.endpoints_at_once + 1
            self._pool = open_pool(self._url, max_size=size, name="reminderly-webhooks")
        return self._pool

    def stop(self) -> None:
        self._halt.set()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()

    def run(self) -> None:
        with ThreadPoolExecutor(self.settings.endpoints_at_once, "webhook") as executor:
            while not self._halt.is_set():
                try:
                    done = self.run_once(executor)
                except psycopg.OperationalError as exc:
                    log.warning("webhooks: database unavailable (%s)", type(exc).__name__)
                    done = 0
                except Exception:  # one bad pass must not end the thread
                    log.exception("webhooks: a pass failed")
                    done = 0
                if not done:
                    self._halt.wait(self.settings.idle_seconds)
        self.close()

    def run_once(self, executor: ThreadPoolExecutor | None = None) -> int:
        """Fan out, lease due endpoints, deliver; returns the attempts made."""
        s = self.settings
        with self.pool().connection() as conn:
            one(conn, Q.fan_out_events, {"limit": 1000})
            if time.monotonic() - self._last_purge > s.purge_every.total_seconds():
                events.purge(conn)
                self._last_purge = time.monotonic()
            leased = rows(
                conn,
                Q.claim_webhook_endpoints,
                {
                    "owner": self._owner,
                    "lease": s.lease,
                    "limit": s.endpoints_at_once,
                },
            )
        if not leased:
            return 0
        if executor is None:
            return sum(self.deliver_endpoint(e) for e in leased)
        return sum(executor.map(self.deliver_endpoint, leased))

    def deliver_endpoint(self, endpoint: dict) -> int:
        """Deliver this leased endpoint's due deliveries in order per resource: a delivery
        that must wait for a retry holds back the later ones of its ordering key only, and
        the other resources' go on. Returns the attempts made."""
        s = self.settings
        attempts = 0
        held: set[str] = set()  # keys with a delivery that failed in this pass
        with self.pool().connection() as conn:
            try:
                queue = rows(
                    conn,
                    Q.next_webhook_deliveries,
                    {"endpoint_id": endpoint["id"], "limit": s.batch},
                )
                for delivery in queue:
                    if self._halt.is_set():
                        break
                    if delivery["ordering_key"] in held:
                        continue
                    if delivery["type"] is None:  # the event is past retention
                        conn.execute(Q.expire_webhook_delivery, {"id": delivery["id"]})
                        continue
                    outcome = self._attempt(conn, endpoint, delivery)
                    attempts += 1
                    if outcome == "pending":
                        held.add(delivery["ordering_key"])  # retried later, its key waits
                    elif outcome not in ("succeeded", "failed"):
                        break  # the endpoint was disabled or deleted
            finally:
                conn.execute(
                    Q.release_webhook_endpoint, {"id": endpoint["id"], "owner": self._owner}
                )
        return attempts

    def _attempt(self, conn: psycopg.Connection, endpoint: dict, delivery: dict) -> str:
        s = self.settings
        body, headers = request_for(endpoint, delivery, self.ids)
        try:
            answer = safe_http.post(endpoint["url"], body, headers, s.policy)
        except safe_http.Refused as exc:
            answer = safe_http.Answer(None, b"", 0, f"refused: {exc}")
        excerpt = answer.body[:1000].decode("utf-8", "replace") if answer.body else None
        (outcome,) = one(
            conn,
            Q.record_webhook_attempt,
            {
                "delivery_id": delivery["id"],
                "status": answer.status,
                "latency_ms": answer.latency_ms,
                "excerpt": excerpt,
                "error": answer.error,
                "retry_base": s.retry_base,
                "retry_max": s.retry_max,
                "retry_window": s.retry_window,
                "disable_after": s.disable_after,
            },
        )
        if outcome == "disabled":
            # the notice: the account's webhook_endpoint.disabled event (feed and its other
            # endpoints), this warning for the operator, and a metric to alarm on
            log.warning(
                "webhook endpoint disabled after failing continuously",
                extra={"endpoint_id": endpoint["id"], "account_id": endpoint["account_id"]},
            )
            telemetry.emit({M.WEBHOOK_ENDPOINTS_DISABLED: (1.0, "Count")})
        return outcome
