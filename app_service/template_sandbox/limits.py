"""The jinja2 environment messages render in: the sandbox, with a size limit on everything a
template can multiply.

jinja2's sandbox stops attribute escapes but not arithmetic: `3**(3*10**7)`, `'x'*10**8`,
`'x'|center(10**9)` or `'%0999999999d' % 1` each cost seconds or gigabytes in one C call, which
no timeout inside the interpreter can interrupt. Here every operation that can amplify its
input is checked *before* it runs (operators, `~`, string methods, filters, printf and
str.format widths, `range`), and compile-time constant folding is off, so creating a template
costs time linear in its text. What stays unbounded by construction (nested loops, recursive
macros) is bounded by the process the template renders in: see `pool.py`.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, nodes, pass_eval_context
from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError
from jinja2.filters import FILTERS, sync_do_join, sync_do_slice
from jinja2.runtime import Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedFormatter

MAX_TEXT = 100_000
"""Most characters (or items) one operation may build: a string, list or tuple."""
MAX_OUTPUT = 100_000
"""Most characters a rendered message may have."""
MAX_INT_BITS = 4_096
"""Largest integer arithmetic may build (about 1,200 digits)."""
MAX_RANGE = 10_000
"""Most items `range` may give."""

_SEQUENCES = (str, bytes, list, tuple)
_ADDRESS = re.compile(r"<[^<>]* at 0x[0-9a-fA-F]{4,}>")
_PRINTF = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")
_SPEC_NUMBERS = re.compile(r"\d+")


class TemplateLimit(SecurityError):
    """The template asked for more than a message may cost."""


def weight(value: Any, budget: int = MAX_TEXT) -> int:
    """About how many characters `value` prints as; counting stops once over `budget`, so the
    count itself costs at most `budget` steps."""
    total, stack = 0, [value]
    while stack and total <= budget:
        v = stack.pop()
        if isinstance(v, (str, bytes)):
            total += len(v)
        elif isinstance(v, bool) or v is None:
            total += 5
        elif isinstance(v, int):
            total += v.bit_length() // 3 + 1
        elif isinstance(v, float):
            total += 24
        elif isinstance(v, dict):
            total += 2 + len(v)
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, (list, tuple, set, frozenset)):
            total += 2 + len(v)
            stack.extend(v)
        else:
            total += 1
    return total


def _limit(size: int, what: str, limit: int = MAX_TEXT) -> None:
    if size > limit:
        raise TemplateLimit(f"{what} would be too large (limit {limit:,})")


def _int(value: Any) -> int:
    """An integer argument as a count (bools and floats count too)."""
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return 0


def _checked_pow(left: Any, right: Any) -> Any:
    if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
        _limit(math.ceil(math.log2(abs(left)) * right), "the power's result (bits)", MAX_INT_BITS)
    return left**right


def _checked_mul(left: Any, right: Any) -> Any:
    if isinstance(left, int) and isinstance(right, int):
        _limit(left.bit_length() + right.bit_length(), "the product (bits)", MAX_INT_BITS)
    elif isinstance(left, _SEQUENCES) and isinstance(right, int):
        _limit(weight(left) * max(right, 0), "the repeated text or list")
    elif isinstance(right, _SEQUENCES) and isinstance(left, int):
        _limit(weight(right) * max(left, 0), "the repeated text or list")
    return left * right


def _checked_add(left: Any, right: Any) -> Any:
    if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        _limit(weight(left) + weight(right), "the joined text or list")
    return left + right


def _check_printf(fmt: str, args: Any) -> None:
    """`fmt % args` stays small: no `*` widths, no width over MAX_TEXT, bounded arguments."""
    for width, precision in _PRINTF.findall(fmt):
        for n in (width, precision):
            if n == "*":
                raise TemplateLimit("a '*' width in a format string is not allowed")
            if n:
                _limit(int(n) if len(n) < 10 else MAX_TEXT + 1, "a format width")
    _limit(len(fmt) + weight(args), "the formatted text")


def _checked_mod(left: Any, right: Any) -> Any:
    if isinstance(left, str):
        _check_printf(left, right)
    return left % right


_BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "**": _checked_pow,
    "*": _checked_mul,
    "+": _checked_add,
    "%": _checked_mod,
    "-": operator.sub,
    "/": operator.truediv,
    "//": operator.floordiv,
}


def _bounded_list(items: Iterable[Any], what: str, per_item: int = 0) -> list[Any]:
    """`items` as a list, refused as soon as it weighs more than MAX_TEXT (each item counted
    as it arrives, so a generator of large items is stopped before it fills memory)."""
    out, total = [], 0
    for item in items:
        total += weight(item) + per_item
        _limit(total, what)
        out.append(item)
    return out


def _check_join(items: Iterable[Any], sep: Any) -> list[Any]:
    return _bounded_list(items, "the joined text", len(str(sep)))


def _check_replace(s: Any, old: Any, new: Any, count: Any = None) -> None:
    s, old, new = str(s), str(old), str(new)
    hits = len(s) + 1 if not old else s.count(old)
    if count is not None and _int(count) >= 0:
        hits = min(hits, _int(count))
    _limit(len(s) + hits * max(len(new) - len(old), 0), "the replaced text")


def _bounded_filters() -> dict[str, Callable]:
    """jinja2's filters, those that can build large values checked first."""
    f = dict(FILTERS)

    def center(value: Any, width: int = 80) -> str:
        _limit(_int(width), "the centred text")
        return FILTERS["center"](value, width)

    def indent(s: Any, width: Any = 4, first: bool = False, blank: bool = False) -> str:
        per_line = len(width) if isinstance(width, str) else _int(width)
        _limit(len(str(s)) + per_line * (str(s).count("\n") + 1), "the indented text")
        return FILTERS["indent"](s, width, first, blank)

    def format_(value: Any, *args: Any, **kwargs: Any) -> str:
        _check_printf(str(value), kwargs or args)
        return FILTERS["format"](value, *args, **kwargs)

    @pass_eval_context
    def join(eval_ctx, value: Any, d: str = "", attribute: Any = None) -> str:
        return sync_do_join(eval_ctx, _check_join(value, d), d, attribute)

    @pass_eval_context
    def replace(eval_ctx, s: Any, old: Any, new: Any, count: Any = None) -> str:
        _check_replace(s, old, new, count)
        return FILTERS["replace"](eval_ctx, s, old, new, count)

    def batch(value: Any, linecount: int, fill_with: Any = None):
        _limit(_int(linecount), "the batch")
        return FILTERS["batch"](value, linecount, fill_with)

    def slice_(value: Any, slices: int, fill_with: Any = None):
        _limit(_int(slices), "the number of slices", MAX_RANGE)
        return sync_do_slice(value, slices, fill_with)

    def wordwrap(
        environment,
        s: Any,
        width: int = 79,
        break_long_words: bool = True,
        wrapstring: Any = None,
        break_on_hyphens: bool = True,
    ) -> str:
        lines = len(str(s)) // max(_int(width), 1) + str(s).count("\n") + 1
        _limit(len(str(s)) + lines * len(str(wrapstring or "\n")), "the wrapped text")
        return FILTERS["wordwrap"](
            environment, s, width, break_long_words, wrapstring, break_on_hyphens
        )

    @pass_eval_context
    def tojson(eval_ctx, value: Any, indent: Any = None) -> Any:
        size = len(indent) if isinstance(indent, str) else _int(indent)
        if size > 8:  # each line of each nesting level repeats the indent
            raise TemplateLimit("a tojson indent may be at most 8")
        _limit(weight(value), "the JSON text")
        return FILTERS["tojson"](eval_ctx, value, indent)

    def list_(value: Any) -> list:
        return _bounded_list(value, "the list")

    wordwrap.jinja_pass_arg = FILTERS["wordwrap"].jinja_pass_arg  # type: ignore[attr-defined]
    f.update(
        center=center,
        indent=indent,
        format=format_,
        join=join,
        replace=replace,
        batch=batch,
        slice=slice_,
        wordwrap=wordwrap,
        list=list_,
        tojson=tojson,
    )
    return f


def _limited_range(*args: int) -> range:
    rng = range(*args)
    _limit(len(rng), "the range", MAX_RANGE)
    return rng


class _Formatter(SandboxedFormatter):
    """str.format in the sandbox, with widths and the total length bounded."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self.produced = 0

    def format_field(self, value: Any, format_spec: str) -> Any:
        for n in _SPEC_NUMBERS.findall(format_spec):
            _limit(int(n) if len(n) < 10 else MAX_TEXT + 1, "a format width")
        _limit(weight(value), "a formatted value")
        out = super().format_field(value, format_spec)
        self.produced += len(out)
        _limit(self.produced, "the formatted text")
        return out


class _Generator(CodeGenerator):
    """No constant folding of output expressions (a folded `{{ 'x'|center(10**9) }}` would
    run while the template is compiled); `~` checks its parts' size before joining them."""

    def _output_child_to_const(self, node, frame, finalize):
        if isinstance(node, nodes.TemplateData):
            return super()._output_child_to_const(node, frame, finalize)
        raise nodes.Impossible()

    def visit_Concat(self, node: nodes.Concat, frame) -> None:
        self.write("(markup_join if context.eval_ctx.autoescape else str_join)(")
        self.write("environment.concat_parts((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write(")))")


_UNSAFE_STR_METHODS = frozenset({"translate", "maketrans", "expandtabs"})
_WIDTH_METHODS = frozenset({"ljust", "rjust", "center", "zfill"})


class LimitedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox (immutable: no list.append or dict.pop) with every amplifying operation
    checked; see the module docstring."""

    code_generator_class = _Generator
    intercepted_binops = frozenset(_BINOPS)
    intercepted_unops = frozenset({"-", "+"})

    def __init__(self) -> None:
        super().__init__(
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
            optimized=False,
            finalize=self._printable,
        )
        self.binop_table.update(_BINOPS)
        self.filters = _bounded_filters()
        self.globals["range"] = _limited_range
        self.globals.pop("lipsum", None)  # lipsum(10**6) writes megabytes; no message needs it

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, (str, bytes)) and attr in _UNSAFE_STR_METHODS:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call(__self, __context, __obj, *args: Any, **kwargs: Any) -> Any:
        target = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        if isinstance(target, (str, bytes)):
            if name in _WIDTH_METHODS and args:
                _limit(_int(args[0]), f"the {name} width")
            elif name == "join" and args:
                args = (_check_join(args[0], target), *args[1:])
            elif name == "replace" and len(args) >= 2:
                _check_replace(target, *args[:3])
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(result, (*_SEQUENCES, dict)):
            _limit(weight(result), "the result")
        return result

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is None or not isinstance(value.__self__, str):
            return wrapped
        is_map = value.__name__ == "format_map"
        f_self = value.__self__

        def checked(*args: Any, **kwargs: Any) -> str:
            if is_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                args, kwargs = (), args[0]
            return _Formatter(self).vformat(f_self, args, kwargs)

        return checked

    def concat_parts(self, parts: tuple) -> tuple:
        """The operands of `~`, checked for size before they are joined."""
        _limit(sum(weight(p) for p in parts), "the joined text")
        return parts

    def _printable(self, value: Any) -> Any:
        """What `{{ }}` may print: text, numbers, and lists or dicts of them; never an object
        whose text is its type and heap address (`{{ {}.pop }}`)."""
        if isinstance(value, Undefined):
            return value  # printing it raises the missing merge field
        _limit(weight(value, MAX_OUTPUT), "the printed value", MAX_OUTPUT)
        stack = [value]
        while stack:
            v = stack.pop()
            if isinstance(v, (str, int, float, bool)) or v is None:
                continue
            if isinstance(v, dict):
                stack.extend(v.keys())
                stack.extend(v.values())
            elif isinstance(v, (list, tuple, set, frozenset)):
                stack.extend(v)
            else:
                raise TemplateLimit(f"a {type(v).__name__} cannot be printed")
        return value


ENV = LimitedEnvironment()


@lru_cache(maxsize=256)
def compiled(source: str):
    """The template compiled once per process (compiling costs time linear in its text)."""
    return ENV.from_string(source)


def render_text(source: str, fields: dict) -> str:
    """Render with the output bounded as it is produced (a loop cannot fill memory)."""
    parts: list[str] = []
    size = 0
    for chunk in compiled(source).generate(**fields):
        size += len(chunk)
        if size > MAX_OUTPUT:
            raise TemplateLimit(f"the message would be longer than {MAX_OUTPUT:,} characters")
        parts.append(chunk)
    text = "".join(parts).strip()
    if _ADDRESS.search(text):
        raise TemplateLimit("the template prints an internal object")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no channel or database could take it
        raise TemplateLimit("the message is not valid text (a lone surrogate)") from None
    return text


def scrub(message: str) -> str:
    """An error message without heap addresses (a repr in an exception names one)."""
    return re.sub(r" at 0x[0-9a-fA-F]+", "", message)
