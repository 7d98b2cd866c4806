"""Inbound SMS replies: what a customer meant, and what it changes.

Carrier keywords (STOP, START, HELP) are honoured as the carriers require; YES/NO answer the
reminder. Case, punctuation and surrounding words are tolerated ("Stop please", "yes!!").
An opt-out keyword anywhere in a short reply wins: missing an opt-out is worse than a false one.
"""

from __future__ import annotations

import re

import psycopg

from app_service.db import one
from app_service.queries import Q

OPT_OUT = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
OPT_IN = {"START", "UNSTOP"}
HELP = {"HELP"}
CONFIRM = {"YES", "Y", "C", "CONFIRM", "CONFIRMED"}
DECLINE = {"NO", "N"}
_WORDS = re.compile(r"[A-Z]+")


def classify(text: str) -> str:
    """opt_out | opt_in | help | confirm | cancel | other."""
    words = _WORDS.findall(text.upper())
    if not words:
        return "other"
    if any(w in OPT_OUT for w in words) and len(words) <= 6:
        return "opt_out"
    first = words[0]
    if first in OPT_IN:
        return "opt_in"
    if first in HELP:
        return "help"
    if first in CONFIRM:
        return "confirm"
    if first in DECLINE:
        return "cancel"
    return "other"


_SCORE = re.compile(r"^\s*(10|[0-9])\s*(?:/\s*10|out of 10)?\s*[!.]*\s*$", re.IGNORECASE)


def survey_score(text: str) -> int | None:
    """A survey answer by SMS: a number from 0 to 10 alone ("9", "10!", "8/10"); a number
    inside a sentence ("can I come at 3?") is not an answer."""
    match = _SCORE.match(text.strip())
    return int(match.group(1)) if match else None


def handle_reply(conn: psycopg.Connection, message_id: int, text: str) -> str:
    """Record a reply to a message and apply it (consent, confirmation, cancellation, a survey
    score); returns its classification."""
    kind = "score" if survey_score(text) is not None else classify(text)
    one(conn, Q.record_reply, {"message_id": message_id, "kind": kind, "text": text[:1600]})
    return kind
