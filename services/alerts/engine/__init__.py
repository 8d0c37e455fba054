"""The pure judgement: targets and series in, statuses, signals, alert states and
transitions out. No sockets, no clock calls: ``now`` comes with the snapshot."""

from services.alerts.engine.evaluate import (
    AlertRecord,
    Judgement,
    Outcome,
    TargetStatus,
    advance,
    judge,
)
from services.alerts.engine.inputs import (
    Bucket,
    SeriesInput,
    Snapshot,
    TargetInput,
    series_key,
    target_labels,
)
from services.alerts.engine.lifecycle import (
    ActionError,
    AlertState,
    State,
    Transition,
    acknowledge,
    resolve_manually,
)
from services.alerts.engine.signals import SERIES_KINDS, bucket_width
from services.alerts.engine.source_columns import Columns, Runs, SourceBuckets, as_columns

__all__ = [
    "Columns",
    "Runs",
    "SourceBuckets",
    "as_columns",
    "ActionError",
    "AlertRecord",
    "AlertState",
    "Bucket",
    "Judgement",
    "Outcome",
    "SERIES_KINDS",
    "SeriesInput",
    "Snapshot",
    "State",
    "TargetInput",
    "TargetStatus",
    "Transition",
    "acknowledge",
    "advance",
    "bucket_width",
    "judge",
    "resolve_manually",
    "series_key",
    "target_labels",
]
