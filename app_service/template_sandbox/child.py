"""A render process: `python -m app_service.template_sandbox.child MEMORY_BYTES CPU_SECONDS`.

Reads one JSON line per batch (`[[source, fields], ...]`) and answers one JSON line per job,
in order: `{"text": ...}` or `{"kind": ..., "detail": ...}`. Its address space is capped
(a runaway allocation raises MemoryError here, not in the API or the worker), each job is
given a CPU budget (SIGXCPU ends the process past it, should its parent not: an orphan cannot
spin), and it ends when its parent does (stdin closes).
"""

from __future__ import annotations

import contextlib
import json
import resource
import signal
import sys


def _cpu_budget(seconds: int) -> None:
    """Soft RLIMIT_CPU at the CPU used so far plus `seconds` (the hard limit stays)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = int(usage.ru_utime + usage.ru_stime) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = used + seconds
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _outcome(source: str, fields: dict) -> dict:
    from jinja2 import TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import SecurityError

    from app_service.template_sandbox.limits import TemplateLimit, render_text, scrub

    try:
        return {"text": render_text(source, fields)}
    except UndefinedError as exc:
        return {"kind": "missing", "detail": scrub(exc.message or str(exc))}
    except TemplateSyntaxError as exc:
        return {"kind": "syntax", "detail": scrub(str(exc))}
    except TemplateLimit as exc:
        return {"kind": "limit", "detail": scrub(str(exc))}
    except SecurityError as exc:
        return {"kind": "unsafe", "detail": scrub(str(exc))}
    except MemoryError:
        return {"kind": "memory", "detail": ""}
    except RecursionError:
        return {"kind": "error", "detail": "RecursionError: too deeply nested"}
    except Exception as exc:  # any other error of the template (ZeroDivisionError, ...)
        return {"kind": "error", "detail": scrub(f"{type(exc).__name__}: {exc}")[:500]}


def main(memory_bytes: int, cpu_seconds: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    import app_service.template_sandbox.limits  # noqa: F401  (imported before the cap)

    # a platform without RLIMIT_AS (macOS) keeps the timeout only
    with contextlib.suppress(ValueError, OSError):
        if memory_bytes > 0:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    for line in sys.stdin:
        for source, fields in json.loads(line):
            if cpu_seconds > 0:
                with contextlib.suppress(ValueError, OSError):
                    _cpu_budget(cpu_seconds)
            result = _outcome(source, fields)
            out.write(json.dumps(result) + "\n")
            out.flush()
            if result.get("kind") == "memory":
                return  # after a MemoryError, start clean


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
