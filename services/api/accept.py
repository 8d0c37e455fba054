"""Judge the records of a request: the key's scope first, then each record on its own."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.auth import ApiKey
from services.indicators.catalogue import Catalogue
from services.indicators.readings import RecordError
from services.ingest.batch_check import Checked, check_records
from services.ingest.bodies import RawRecord

__all__ = ["Judgement", "judge", "scope_errors"]

Judgement = Checked  # the readings accepted (columns) and the errors of the others


def scope_errors(records: Sequence[RawRecord], key: ApiKey) -> list[RecordError]:
    """Records naming an indicator or source outside what the key may write."""
    errors: list[RecordError] = []
    for rec in records:
        if not isinstance(rec.value, dict):
            continue
        indicator, source = rec.value.get("indicator"), rec.value.get("source")
        if isinstance(indicator, str) and not key.scope.allows_indicator(indicator):
            errors.append(_outside(rec, key, "indicator", indicator, key.scope.indicators))
        if isinstance(source, str) and not key.scope.allows_source(source):
            errors.append(_outside(rec, key, "source", source, key.scope.sources))
    return errors


def _outside(
    rec: RawRecord, key: ApiKey, field: str, value: str, patterns: Sequence[str]
) -> RecordError:
    shown = value if len(value) <= 60 else value[:57] + "…"
    message = (
        f'the key {key.id} of {key.provider} may not write {field} "{shown}" '
        f"(it may write {', '.join(patterns)}); leave the reading out or ask the operator "
        "to widen the key's scope"
    )
    return RecordError(rec.index, field, message, rec.line, "scope")


def judge(records: Sequence[RawRecord], catalogue: Catalogue, now: datetime) -> Judgement:
    """Every record checked (services.ingest.batch_check): the readings accepted, as
    columns, and an error per problem."""
    return check_records(records, catalogue, now)
