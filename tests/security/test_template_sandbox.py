"""The render sandbox itself: every hostile template fails as a template error within a bounded
time, the renderer stays usable, and ordinary templates in the same batch still render."""

from __future__ import annotations

import time

import pytest

from app_service import templates
from app_service.template_sandbox import RenderError, render_many
from app_service.template_sandbox.limits import ENV, MAX_OUTPUT
from app_service.template_sandbox.pool import RenderPool
from tests.security.attacks import CLASSES, FIELDS, FOLDING

BENIGN = (
    "Hi {{ first_name }}, {{ '%d'|format(3) }} {{ 2**10 }} {{ '{:,}'.format(1234567) }}"
    " {{ 'ab'*2 }} {{ range(3)|join(',') }}"
)
BENIGN_TEXT = "Hi Ann, 3 1024 1,234,567 abab 0,1,2"
BOUND = {"time": 12.0, "memory": 12.0}  # seconds for the whole class; others: 5 s


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_each_class_fails_as_a_template_error_and_the_rest_still_render(name):
    payloads = CLASSES[name]
    jobs = [(BENIGN, FIELDS)]
    for p in payloads:
        jobs += [(p, FIELDS), (BENIGN, FIELDS)]
    started = time.monotonic()
    results = render_many(jobs)
    elapsed = time.monotonic() - started
    assert elapsed < BOUND.get(name, 5.0), f"{name} took {elapsed:.1f} s"
    for payload, result in zip(payloads, results[1::2], strict=True):
        assert isinstance(result, RenderError), (payload, result)
        assert str(result).startswith("template_error: "), (payload, str(result))
        assert "0x" not in str(result), (payload, str(result))
    assert results[0::2] == [BENIGN_TEXT] * (len(payloads) + 1)


def test_the_failures_say_which_limit():
    reasons = {
        p: str(r)
        for p, r in zip(
            [
                "{{ 3**(3*10**7) }}",
                "{{ 'x'*100000000 }}",
                "{{ range(100001)|length }}",
                "{{ {}.pop }}",
                "{{ 1/0 }}",
                CLASSES["time"][0],
            ],
            render_many(
                [
                    (p, FIELDS)
                    for p in [
                        "{{ 3**(3*10**7) }}",
                        "{{ 'x'*100000000 }}",
                        "{{ range(100001)|length }}",
                        "{{ {}.pop }}",
                        "{{ 1/0 }}",
                        CLASSES["time"][0],
                    ]
                ]
            ),
            strict=True,
        )
    }
    assert "power's result" in reasons["{{ 3**(3*10**7) }}"]
    assert "repeated text" in reasons["{{ 'x'*100000000 }}"]
    assert "range would be too large" in reasons["{{ range(100001)|length }}"]
    assert "unsafe" in reasons["{{ {}.pop }}"]
    assert reasons["{{ 1/0 }}"] == "template_error: ZeroDivisionError: division by zero"
    assert "took longer than" in reasons[CLASSES["time"][0]]


def test_a_runaway_allocation_is_stopped_by_the_memory_cap():
    """With a timeout long enough not to be what stops them, the memory class fails on the
    render process's address-space cap, and the pool renders on."""
    pool = RenderPool(size=1, timeout=30, memory_mb=128)
    try:
        results = pool.render_many([(p, FIELDS) for p in CLASSES["memory"]] + [(BENIGN, FIELDS)])
        assert [r.kind for r in results[:-1]] == ["memory"] * len(CLASSES["memory"])
        assert "128 MiB" in results[0].detail
        assert results[-1] == BENIGN_TEXT
    finally:
        pool.close()


@pytest.mark.parametrize("source", FOLDING)
def test_compiling_folds_nothing_large(source):
    """Finding the merge fields (which the API does in its own process, on creation and in
    every listing) and compiling are fast: nothing large is computed before rendering."""
    started = time.monotonic()
    templates.merge_fields(source)
    ENV.from_string(source)
    assert time.monotonic() - started < 0.5


def test_a_render_timeout_kills_only_that_process_and_quarantines_the_template():
    pool = RenderPool(size=1, timeout=0.5)
    try:
        slow = CLASSES["time"][0]
        started = time.monotonic()
        first = pool.render_many([(slow, {}), ("ok {{ x }}", {"x": 1})])
        assert time.monotonic() - started < 5
        assert first[0].kind == "timeout" and first[1] == "ok 1"
        started = time.monotonic()
        again = pool.render_many([(slow, {})])  # quarantined: fails at once
        assert time.monotonic() - started < 0.2
        assert again[0].kind == "timeout" and "earlier render" in again[0].detail
    finally:
        pool.close()


def test_output_is_bounded_while_it_is_produced():
    (result,) = render_many([("{% for i in range(10000) %}{{ 'y' * 99 }}{% endfor %}", {})])
    assert isinstance(result, RenderError) and f"{MAX_OUTPUT:,}" in str(result)
