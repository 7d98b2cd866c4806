"""Many provider calls in flight from one process: boto3 in a pool of threads vs aiobotocore on
asyncio, against a local stand-in for End User Messaging SMS (SendTextMessage answered after a
fixed latency, in another process so that only the client's CPU is counted).

    python bench/aws_client_concurrency_bench.py --mode threads --inflight 64 --calls 2000
    python bench/aws_client_concurrency_bench.py --mode asyncio --inflight 64 --calls 2000

aiobotocore pins its own botocore, older than the project's boto3: run the asyncio mode from
a separate virtualenv that has `aiobotocore` (and boto3 for the threads mode, to compare the
same botocore). Prints one JSON line: calls/s, the ideal (in-flight / latency), client CPU
seconds per 1,000 calls.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


def serve(port: int, latency: float) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            time.sleep(latency)
            body = json.dumps({"MessageId": "m"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 512
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


KWARGS = dict(
    DestinationPhoneNumber="+13125550100",
    OriginationIdentity="pool-1",
    MessageBody="Hi",
    MessageType="TRANSACTIONAL",
    ConfigurationSetName="cs",
    Context={"message_id": "1"},
)


def threads(endpoint: str, inflight: int, calls: int) -> None:
    from concurrent.futures import ThreadPoolExecutor

    import boto3
    from botocore.config import Config

    client = boto3.client(
        "pinpoint-sms-voice-v2",
        endpoint_url=endpoint,
        config=Config(max_pool_connections=inflight, retries={"max_attempts": 1}),
    )
    client.send_text_message(**KWARGS)  # warm: the client's model loaded, a connection open
    with ThreadPoolExecutor(inflight) as pool:
        list(pool.map(lambda _: client.send_text_message(**KWARGS), range(calls)))


def asyncio_mode(endpoint: str, inflight: int, calls: int) -> None:
    import asyncio

    from aiobotocore.config import AioConfig
    from aiobotocore.session import get_session

    async def main() -> None:
        config = AioConfig(max_pool_connections=inflight, retries={"max_attempts": 1})
        async with get_session().create_client(
            "pinpoint-sms-voice-v2", endpoint_url=endpoint, config=config
        ) as client:
            await client.send_text_message(**KWARGS)
            gate = asyncio.Semaphore(inflight)

            async def one() -> None:
                async with gate:
                    await client.send_text_message(**KWARGS)

            await asyncio.gather(*(one() for _ in range(calls)))

    asyncio.run(main())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=["threads", "asyncio"], required=True)
    parser.add_argument("--inflight", type=int, default=64)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.port, args.latency_ms / 1000)
        return
    server = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--mode",
            args.mode,
            "--serve",
            "--port",
            str(args.port),
            "--latency-ms",
            str(args.latency_ms),
        ]
    )
    try:
        time.sleep(1.0)
        endpoint = f"http://127.0.0.1:{args.port}"
        run = threads if args.mode == "threads" else asyncio_mode
        cpu, start = _cpu(), time.perf_counter()
        run(endpoint, args.inflight, args.calls)
        elapsed, cpu = time.perf_counter() - start, _cpu() - cpu
    finally:
        server.terminate()
        server.wait()
    ideal = args.inflight / (args.latency_ms / 1000)
    print(
        json.dumps(
            {
                "mode": args.mode,
                "inflight": args.inflight,
                "calls": args.calls,
                "per_s": round(args.calls / elapsed, 1),
                "ideal_per_s": round(ideal, 1),
                "ratio": round(args.calls / elapsed / ideal, 2),
                "client_cpu_s_per_1000": round(cpu / args.calls * 1000, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
