"""From a claimed message to what the provider gets: its merge fields (the appointment in the
location's timezone, the signed survey/review and unsubscribe links), its body and subject
rendered in the template sandbox (a whole batch in one round trip), its recipient."""

from __future__ import annotations

from app_service.links import LinkSigner
from app_service.models import ClaimedMessage
from app_service.templates import appointment_fields
from app_service.worker.channels.base import OutgoingMessage
from app_service.worker.render import RenderError, render_many


class Composer:
    """Builds the outgoing messages of a batch; one per worker (its link signer and URL)."""

    def __init__(self, links: LinkSigner, public_url: str):
        self.links = links
        self.public_url = public_url

    def prepare(
        self, batch: list[ClaimedMessage], details: dict[int, dict]
    ) -> list[OutgoingMessage | RenderError | str]:
        """Each message's OutgoingMessage, or the RenderError that fails it for good, or (a
        str) why the renderer could not run, which a retry may cure. The batch's bodies and
        subjects render in one round trip to the sandbox; nothing one message does (its
        template, its data) can raise past this."""
        fields: dict[int, dict] = {}
        made: dict[int, OutgoingMessage | RenderError | str] = {}
        for claimed in batch:
            d = details.get(claimed.id)
            if d is not None and d.get("answer_body") is not None:
                made[claimed.id] = self.answer(d)  # written by a person: sent as written
                continue
            try:
                fields[claimed.id] = self.fields(details[claimed.id])
            except Exception as exc:
                made[claimed.id] = RenderError(
                    "error", f"the merge fields could not be prepared ({type(exc).__name__})"
                )
        jobs: list[tuple[str, dict]] = []
        for mid, f in fields.items():
            d = details[mid]
            jobs.append((d["template"], f))
            if d["channel"] == "email":
                jobs.append((d["subject"] or "", f))
        try:
            texts = iter(render_many(jobs))
        except Exception as exc:  # RendererUnavailable, or a bug of the pool: retry later
            for mid in fields:
                made[mid] = f"renderer unavailable ({type(exc).__name__})"
            return [made[c.id] for c in batch]
        for mid in fields:
            d = details[mid]
            body = next(texts)
            subject = next(texts) if d["channel"] == "email" else None
            try:
                made[mid] = self.outgoing(d, body, subject)
            except RenderError as exc:
                made[mid] = exc
            except Exception as exc:
                made[mid] = RenderError(
                    "error", f"the message could not be built ({type(exc).__name__})"
                )
        return [made[c.id] for c in batch]

    def answer(self, d: dict) -> OutgoingMessage | RenderError:
        """An inbox answer: its text as the member wrote (or edited) it, never rendered again
        (a customer's own braces stay text), from the sender its answers row names."""
        if not d["answer_body"]:
            return RenderError("recipient", "the answer's text was erased with the customer")
        try:
            return self.outgoing(d, d["answer_body"], d["answer_subject"] or "Re: your message")
        except RenderError as exc:
            return exc

    def fields(self, d: dict) -> dict:
        fields = {
            **(d["merge_fields"] or {}),
            "first_name": d["first_name"],
            "last_name": d["last_name"],
            **appointment_fields(d["starts_at"], d["timezone"]),
            "location": d["location_name"],
        }
        # the survey page or the review site, through a signed link that records the click
        # (and is the same for every recipient: no one is routed by their predicted rating)
        tracked = self.links.url(self.public_url, d["id"], "r")
        fields["survey_url"] = tracked
        if d["review_url"]:
            fields["review_url"] = tracked
        return {k: v for k, v in fields.items() if v is not None}

    def outgoing(
        self, d: dict, body: str | RenderError, subject: str | RenderError | None
    ) -> OutgoingMessage:
        """The message to send, from its rendered body (and subject); a RenderError of either
        fails it."""
        for text in (body, subject):
            if isinstance(text, RenderError):
                raise text
        assert isinstance(body, str)
        if d["channel"] == "sms":
            if not d["phone"]:
                raise RenderError("recipient", "the customer has no phone number")
            return OutgoingMessage(
                d["id"],
                d["account_id"],
                "sms",
                d["phone"],
                body,
                origination=d.get("sms_origination"),
            )
        if not d["email"]:
            raise RenderError("recipient", "the customer has no email address")
        unsubscribe = self.links.url(self.public_url, d["id"], "u")
        headers = {
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        return OutgoingMessage(
            d["id"], d["account_id"], "email", d["email"], body, subject, headers
        )
