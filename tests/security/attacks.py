"""Hostile message templates, by class. Each must be refused (a 4xx at the API, a failed
message at send time) within a bounded time, without harming anything else.

`first_name` is "Ann" and `visits` is "0" where a test renders with data; the API samples
undeclared fields as "[name]" (which `|int` turns into 0 too)."""

from __future__ import annotations

ERRORS = [  # the template's own runtime errors (the original outage: ZeroDivisionError)
    "{{ 1/0 }}",
    "Hi {{ first_name }}, {{ 100 // (visits|int) }} visits left",
    "{{ 5 % (visits|int) }}",
    "{{ (first_name|float) / 0 }}",
    "{{ 'abc'[::0] }}",
    "{{ 2.0 ** 10000 }}",
    "{{ [1, 'a']|sort }}",
    "{{ first_name|wordwrap(0) }}",
    "{{ 'x'|truncate(-5) }}",
    "{{ '%d'|format(first_name) }}",
    "{{ first_name|int + 'a' }}",
    "{% include 'other' %}",
    "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
    "Hi {{ '\\ud800' }}",  # a lone surrogate: the outbox, SES and SNS would all refuse it
]

EXPONENTS = [  # big-integer arithmetic: one C call of seconds, or folded at compile time
    "{{ 3**(3*10**7) }}",
    "{{ 2**100000 }}",
    "{{ (3**(first_name|length * 10**6)) % 7 }}",
    "{{ 9**(9**9) }}",
    "{{ (-7)**99999 }}",
    "{{ (10**1000) * (10**1000) * (10**1000) * (10**1000) * (10**1000) }}",
]

GROWTH = [  # strings and lists multiplied, padded, joined, replaced, formatted, doubled
    "{{ 'x'*100000000 }}",
    "{{ ([0]*10**8)|length }}",
    "{{ [[0]*60000]*2 }}",
    "{{ 'x'|center(1000000000) }}",
    "{{ 'x'.ljust(10**8) }}",
    "{{ first_name.zfill(10**9) }}",
    "{{ '%0999999999d' % 1 }}",
    "{{ '%0999999999d'|format(1) }}",
    "{{ '%*d' % (999999999, 1) }}",
    "{{ '{:>999999999}'.format(1) }}",
    "{{ '{0}{0}{0}'.format('x'*50000) }}",
    "{{ 'ab'|replace('', 'x'*50000) }}",
    "{{ range(10000)|join('x'*100000) }}",
    "{{ 'x'|indent(10**8, true) }}",
    "{{ [1]|batch(10**8, 'x')|list }}",
    "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
    "{% set ns = namespace(s=[1]) %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s|length }}",
    "{{ range(10000)|map('center', 99999)|list|length }}",
    "{% for i in range(10000) %}{{ 'x'*10000 }}{% endfor %}",
]

RANGES = [
    "{{ range(100001)|length }}",
    "{{ range(10**12)|length }}",
    "{{ range(0, 10**9, 1)|list }}",
    "{% for i in range(-10**9, 0) %}{% endfor %}",
]

TIME = [  # bounded only by the render timeout: loops, exponential recursion
    "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
    "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(40) }}",
    "{% for i in range(9999) %}{% for j in range(9999) %}{% if i == j %}{% endif %}{% endfor %}{% endfor %}x",
]

MEMORY = [  # within every per-operation limit, but more memory than a render may have
    "{{ range(10000)|map('center', 99999)|sort|length }}",
    "{{ (range(5000)|map('center', 99999)|batch(5000)|first)|length }}",
    "{{ range(4000)|map('center', 99999)|reverse|length }}",
]

LEAKS = [  # objects printed as their type and heap address
    "{{ {}.pop }}",
    "{{ joiner() }}",
    "{{ range }}",
    "{{ first_name.upper }}",
    "{{ [first_name.upper] }}",
    "{{ first_name.upper|string }}",
    "{{ 'a' ~ first_name.upper }}",
    "{{ '%s'|format(joiner()) }}",
    "{{ '{}'.format(joiner()) }}",
    "{{ self }}",
    "{{ first_name|map('int') }}",
]

FOLDING = [  # constants jinja2 would fold while compiling (at template creation)
    "{{ 3**(3*10**7) }}",
    "{{ 'x'|center(999999999) }}",
    "{% autoescape 'x'|center(999999999) %}x{% endautoescape %}",
    "{{ ('x'*10**9)|length }}",
    "{% if 'x'|center(10**9) %}x{% endif %}",
    "{{ [1, [2, [3]]]|tojson(indent=999999999) }}",
    "{{ [[1, 2], [3, 4]]|tojson(indent='x' * 99999) }}",
]

ESCAPES = [  # the sandbox itself
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ [].append(1) }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ first_name.translate({65: 'x'*99999}) }}",
]

CLASSES = {
    "errors": ERRORS,
    "exponents": EXPONENTS,
    "growth": GROWTH,
    "ranges": RANGES,
    "time": TIME,
    "memory": MEMORY,
    "leaks": LEAKS,
    "folding": FOLDING,
    "escapes": ESCAPES,
}

FIELDS = {"first_name": "Ann", "visits": "0"}
