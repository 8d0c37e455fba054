"""Every kind of problem the API answers: its ``type`` URI, title, status, meaning and remedy.

Each problem answer (RFC 9457, ``application/problem+json``) names its kind by ``type``, a
URI relative to the API: ``/problems/<slug>``. The API serves each as a page that says what
the problem means and what to do (``GET /problems/{slug}``), and the OpenAPI document lists,
per operation and status, which types it may answer. A type, its title and its status do
not change from one occurrence to the next; the ``detail`` says what went wrong this time.

``shape`` names the body's schema: ``Problem`` (type, title, status, detail),
``RecordsProblem`` (and ``errors``, one per refused record) or ``BatchProblem`` (and
``accepted``, ``rejected``, ``errors``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["PROBLEM_TYPES", "ProblemType", "problem_type", "type_uri"]

Shape = Literal["Problem", "RecordsProblem", "BatchProblem"]

TYPE_PREFIX: Final = "/problems/"


@dataclass(frozen=True, slots=True)
class ProblemType:
    slug: str
    status: int
    title: str
    means: str  # what happened, for the page
    remedy: str  # what the caller should do, for the page
    shape: Shape = "Problem"
    headers: tuple[str, ...] = ()  # response headers always sent with it

    @property
    def uri(self) -> str:
        return type_uri(self.slug)


def type_uri(slug: str) -> str:
    return TYPE_PREFIX + slug


_RETRY = ("Retry-After",)

PROBLEM_TYPES: Final[dict[str, ProblemType]] = {
    p.slug: p
    for p in (
        ProblemType(
            "unreadable-body",
            400,
            "unreadable body",
            "The body could not be read as a whole: it is not UTF-8, not JSON, or its CSV "
            "header or quoting is malformed. Nothing of the request was accepted.",
            "Fix what the detail names (the offset, line or column) and send the request again.",
        ),
        ProblemType(
            "unauthenticated",
            401,
            "unauthenticated",
            "The request carries no API key, or one that is malformed, unknown or revoked.",
            "Send the key as `Authorization: Bearer otk_…` (or `X-API-Key: otk_…`), copied "
            "whole; ask the operator for a new one if it was revoked.",
            headers=("WWW-Authenticate",),
        ),
        ProblemType(
            "forbidden",
            403,
            "forbidden",
            "The API key is valid but lacks the role the operation needs (ingest to push "
            "readings, operator or admin to act on alerts).",
            "Ask the operator of ontrack for a key with the role the detail names.",
        ),
        ProblemType(
            "outside-scope",
            403,
            "outside the key's scope",
            "Records name an indicator or a source that the key may not write; `errors` lists "
            "each. Nothing of the batch was accepted.",
            "Leave those readings out and send the batch again, or ask the operator to widen "
            "the key's scope.",
            shape="RecordsProblem",
        ),
        ProblemType(
            "not-found",
            404,
            "not found",
            "There is nothing at this address: no such path, indicator, alert or silence.",
            "Check the address; the detail says where to list what exists.",
        ),
        ProblemType(
            "method-not-allowed",
            405,
            "method not allowed",
            "The path exists but does not take this HTTP method.",
            "Use one of the methods the `Allow` header lists.",
            headers=("Allow",),
        ),
        ProblemType(
            "not-possible-now",
            409,
            "not possible now",
            "The alert is not in a state that allows this action (e.g. resolving an alert "
            "that is not firing).",
            "Read the alert (`GET /v1/alerts/{fingerprint}`) and act on its current state.",
        ),
        ProblemType(
            "body-too-large",
            413,
            "body too large",
            "The body is larger than the API takes in one request. Nothing was accepted.",
            "Split the readings into smaller batches.",
        ),
        ProblemType(
            "batch-too-long",
            413,
            "batch too long",
            "The batch holds more readings than one request (or this key at once) may carry. "
            "Nothing was accepted.",
            "Split the batch; the detail says the limit.",
        ),
        ProblemType(
            "unsupported-media-type",
            415,
            "unsupported media type",
            "The Content-Type is missing or is not one the API reads.",
            "Send application/json, application/x-ndjson or text/csv, and say which in the "
            "Content-Type header.",
        ),
        ProblemType(
            "unsupported-charset",
            415,
            "unsupported charset",
            "The Content-Type names a charset other than UTF-8.",
            "Send the body as UTF-8 (charset=utf-8, or no charset).",
        ),
        ProblemType(
            "invalid-request",
            422,
            "invalid request",
            "A parameter or the JSON body does not have the form the operation documents "
            "(a missing field, a wrong type, a value out of range, a time without UTC offset).",
            "Fix what the detail names and send the request again.",
        ),
        ProblemType(
            "no-reading-accepted",
            422,
            "no reading accepted",
            "Every reading of the batch was refused; `errors` says why for each (an unknown "
            "indicator, a unit it does not accept, a time in the future, an implausible "
            "value…). Some of these depend on the catalogue and the clock, which no schema "
            "can state.",
            "Fix what each error says and send those readings again.",
            shape="BatchProblem",
        ),
        ProblemType(
            "invalid-silence",
            422,
            "invalid silence",
            "The silence cannot be made: a matcher does not parse, a time has no UTC offset, "
            "or it ends before it starts or in the past.",
            "Fix the silence as the detail says and send it again.",
        ),
        ProblemType(
            "rate-limited",
            429,
            "too many readings",
            "The key sent more readings than its rate allows. Nothing of the batch was accepted.",
            "Send the batch again after the seconds that `Retry-After` gives, and spread the load.",
            headers=_RETRY,
        ),
        ProblemType(
            "internal-error",
            500,
            "internal error",
            "The API failed in a way it did not foresee. The request may not have been carried out.",
            "Retry later; if it persists, give the operator the time of the request.",
        ),
        ProblemType(
            "routes-invalid",
            500,
            "routes invalid",
            "The routes files that say whom to notify have problems, so an alert cannot be "
            "resolved by hand (its resolved notifications could not be routed).",
            "Ask the operator to run `ontrack routes check` and fix the routes files.",
        ),
        ProblemType(
            "broker-unavailable",
            503,
            "broker unavailable",
            "Kafka did not acknowledge the batch in time. Nothing of the batch was accepted.",
            "Retry the batch as it is after `Retry-After` seconds: readings are stored once "
            "however often they are sent.",
            headers=_RETRY,
        ),
        ProblemType(
            "key-store-unavailable",
            503,
            "key store unavailable",
            "The API key could not be checked: the database holding the keys did not answer "
            "and this key was not checked recently.",
            "Retry after `Retry-After` seconds.",
            headers=_RETRY,
        ),
        ProblemType(
            "database-unavailable",
            503,
            "database unavailable",
            "The database did not answer, so the data asked for cannot be read or changed now. "
            "Pushing readings does not need it.",
            "Retry after `Retry-After` seconds.",
            headers=_RETRY,
        ),
    )
}


def problem_type(slug: str) -> ProblemType:
    """The problem type of ``slug``; a KeyError names a slug the catalogue lacks (a bug)."""
    return PROBLEM_TYPES[slug]
