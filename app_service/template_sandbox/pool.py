"""Templates render in child processes, under a wall-clock timeout the parent enforces.

Why processes: `limits.py` bounds each operation before it runs, but not how many run (nested
loops, recursive macros) and not what one C call costs once started; a thread cannot be
interrupted inside one. The parent waits on a pipe (the interpreter lock released) and kills a
child that is late, so no template holds the API or the worker longer than the timeout, and a
memory cap on the child (RLIMIT_AS) turns a runaway allocation into a MemoryError there.

Why not a pre-computed cost check: jinja2 is Turing-complete enough (macros, loops over
data) that a static bound would refuse ordinary templates or miss hostile ones.

Cost (bench/render_bench.py, in bench/RESULTS.md): a batch is one pipe round trip with one line
per job, so the worker pays about 17 microseconds more per message; a child starts in about
0.1 s, once, and again only after it was killed. A template that timed out is quarantined in
this process for QUARANTINE_SECONDS: later jobs with the same text fail at once instead of each
costing the timeout (one tenant's template cannot tie up the dispatch threads).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import select
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from app_service import config

log = logging.getLogger(__name__)

QUARANTINE_SECONDS = 600.0
START_SECONDS = 30.0


@dataclass(frozen=True)
class Failure:
    """Why one job did not render: `kind` is missing, syntax, limit, unsafe, error, memory,
    timeout or crashed; `detail` says what."""

    kind: str
    detail: str


class RendererUnavailable(RuntimeError):
    """No render process could be started (the machine's fault, not the template's)."""


class _Late(Exception):
    pass


class _Gone(Exception):
    pass


class _Child:
    def __init__(self, memory_mb: int, cpu_seconds: int) -> None:
        cmd = [
            sys.executable,
            "-m",
            "app_service.template_sandbox.child",
            str(memory_mb * 1024 * 1024),
            str(cpu_seconds),
        ]
        try:
            self.proc = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                close_fds=True,
                start_new_session=True,
            )
        except OSError as exc:
            raise RendererUnavailable(f"cannot start a render process: {exc}") from None
        self.buffer = b""
        try:
            if self.read_line(time.monotonic() + START_SECONDS) != b"ready":
                raise _Gone
        except (_Late, _Gone):
            self.kill()
            raise RendererUnavailable("a render process did not start") from None

    def read_line(self, deadline: float) -> bytes:
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Late
            readable, _, _ = select.select([fd], [], [], remaining)
            if not readable:
                raise _Late
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise _Gone
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line

    def send(self, jobs: list[tuple[str, dict]]) -> None:
        try:
            self.proc.stdin.write(json.dumps(jobs, default=str).encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise _Gone from None

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                stream.close()


class RenderPool:
    """Up to `size` render processes shared by the threads of this process."""

    def __init__(
        self,
        size: int | None = None,
        timeout: float | None = None,
        memory_mb: int | None = None,
    ) -> None:
        """Unset sizes come from the settings (REMINDERLY_RENDER_PROCESSES, _TIMEOUT_SECONDS,
        _MEMORY_MB)."""
        settings = config.current()
        size = size or settings.render_processes
        timeout = timeout or settings.render_timeout_seconds
        memory_mb = memory_mb or settings.render_memory_mb
        self.size, self.timeout, self.memory_mb = size, timeout, memory_mb
        self._idle: list[_Child] = []
        self._count = 0
        self._cond = threading.Condition()
        self._quarantine: dict[str, float] = {}

    def render_many(self, jobs: list[tuple[str, dict]]) -> list[str | Failure]:
        """Each job's text or its Failure, in order. Raises RendererUnavailable only when no
        process can be started."""
        results: dict[int, str | Failure] = {}
        refused = 0
        while len(results) < len(jobs):
            pending = []
            for i, (source, _fields) in enumerate(jobs):
                if i in results:
                    continue
                if self._quarantined(source):
                    results[i] = Failure("timeout", self._late_detail(again=True))
                else:
                    pending.append(i)
            if pending and not self._run(jobs, pending, results):
                refused += 1
                if refused > 3:
                    raise RendererUnavailable("render processes end before taking work")
        return [results[i] for i in range(len(jobs))]

    def _run(self, jobs, pending: list[int], results: dict) -> bool:
        """Run `pending` jobs in one child; False when the child took none of them."""
        child = self._acquire()
        done = 0
        try:
            try:
                child.send([jobs[i] for i in pending])
            except _Gone:  # an idle process that ended: not the jobs' fault, take another
                child.kill()
                return False
            for i in pending:
                line = child.read_line(time.monotonic() + self.timeout)
                answer = json.loads(line)
                results[i] = (
                    answer["text"]
                    if "text" in answer
                    else Failure(answer["kind"], answer["detail"] or self._memory_detail())
                )
                done += 1
                if answer.get("kind") == "memory":
                    child.kill()  # it ends itself after a MemoryError; the rest go to another
                    break
        except _Late:
            source = jobs[pending[done]][0]
            results[pending[done]] = Failure("timeout", self._late_detail())
            with self._cond:
                self._quarantine[source] = time.monotonic() + QUARANTINE_SECONDS
                if len(self._quarantine) > 1000:
                    self._quarantine.pop(next(iter(self._quarantine)))
            log.warning("a template exceeded the render timeout; its process was killed")
            child.kill()
        except _Gone:
            if done < len(pending) and pending[done] not in results:
                results[pending[done]] = Failure("crashed", "the render process ended")
            child.kill()
        finally:
            self._release(child)
        return True

    def _late_detail(self, again: bool = False) -> str:
        said = f"rendering took longer than {self.timeout:g} s"
        return said + (" (an earlier render of this template did)" if again else "")

    def _memory_detail(self) -> str:
        return f"rendering needed more than {self.memory_mb} MiB"

    def _quarantined(self, source: str) -> bool:
        with self._cond:
            until = self._quarantine.get(source)
            if until is not None and until < time.monotonic():
                del self._quarantine[source]
                until = None
        return until is not None

    def _acquire(self) -> _Child:
        with self._cond:
            while not self._idle and self._count >= self.size:
                self._cond.wait()
            while self._idle:
                child = self._idle.pop()
                if child.alive:
                    return child
                self._count -= 1
                child.kill()
            self._count += 1
        try:
            return _Child(self.memory_mb, max(int(self.timeout) + 2, 3))
        except BaseException:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            raise

    def _release(self, child: _Child) -> None:
        with self._cond:
            if child.alive:
                self._idle.append(child)
            else:
                self._count -= 1
            self._cond.notify()

    def close(self) -> None:
        with self._cond:
            idle, self._idle = self._idle, []
            self._count -= len(idle)
        for child in idle:
            child.kill()


_pool: RenderPool | None = None
_pool_pid = 0
_pool_lock = threading.Lock()


def shared_pool() -> RenderPool:
    """This process's pool (a forked process, e.g. a gunicorn worker, gets its own)."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool, _pool_pid = RenderPool(), os.getpid()
        return _pool


@atexit.register
def _close_shared() -> None:
    if _pool is not None and _pool_pid == os.getpid():
        _pool.close()
