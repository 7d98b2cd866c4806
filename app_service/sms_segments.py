"""SMS segment counting: GSM-7 when every character is in the GSM 03.38 alphabet (basic set,
extension-table characters count twice), else UCS-2. 160/153 septets or 70/67 UTF-16 units for
one/each of several segments: what carriers bill."""

from __future__ import annotations

from dataclasses import dataclass

_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_EXTENDED = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class Segments:
    encoding: str  # GSM-7 | UCS-2
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    count: int


def sms_segments(text: str) -> Segments:
    if all(ch in _BASIC or ch in _EXTENDED for ch in text):
        units = sum(2 if ch in _EXTENDED else 1 for ch in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    count = 1 if units <= single else -(-units // multi)
    return Segments(encoding, units, count)


def ucs2_characters(text: str) -> list[str]:
    """The distinct characters that force UCS-2 (so an editor can name them: a curly quote or
    an emoji more than halves what one SMS segment holds)."""
    return sorted({ch for ch in text if ch not in _BASIC and ch not in _EXTENDED})
