"""A real HTTP receiver on 127.0.0.1 for webhook tests: verifies every request with the
`standardwebhooks` library, deduplicates by webhook-id as the integrator's guide says, and
answers from a script (status codes, or a delay longer than the sender's timeout)."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Receiver:
    def __init__(self, secret: str):
        self.secret = secret
        self.script: deque = deque()  # int: answer this status; ("sleep", s): stall, then 200
        self.requests: list[dict] = []  # every request: headers, verified, status answered
        self.refuse = None  # payload -> a status to answer instead of the script's, or None
        self.processed: dict[str, dict] = {}  # webhook-id -> payload, first time only
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    payload = Webhook(receiver.secret).verify(body, headers)
                    verified = True
                except WebhookVerificationError:
                    payload, verified = json.loads(body), False
                with receiver.lock:
                    refused = receiver.refuse(payload) if receiver.refuse else None
                    if refused is not None:
                        action = refused
                    else:
                        action = receiver.script.popleft() if receiver.script else 200
                    status = ("late" if isinstance(action, tuple) else action) if verified else 401
                    receiver.requests.append(
                        {
                            "headers": headers,
                            "verified": verified,
                            "payload": payload,
                            "status": status,
                            "raw": body,
                        }
                    )
                    if verified:  # processed once per webhook-id, whatever the answer
                        receiver.processed.setdefault(headers["webhook-id"], payload)
                if isinstance(action, tuple):
                    time.sleep(action[1])
                    action = 200
                self.send_response(action if verified else 401)
                self.end_headers()
                self.wfile.write(b'{"ok": true}' + b"x" * 10000)  # longer than the sender reads

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
