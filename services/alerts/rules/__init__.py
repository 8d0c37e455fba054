"""Alert rules: what other rooms use of them.

``model`` holds the rule kinds as frozen values, ``durations`` the durations rule files
write, ``loader`` reads and checks rule files, ``selection`` picks the rules of a target or
series, ``errors`` the error tree.
"""

from services.alerts.rules.durations import format_duration, parse_duration, spell_duration
from services.alerts.rules.errors import (
    DurationError,
    InvalidRule,
    Problem,
    RuleError,
    RuleFileError,
)
from services.alerts.rules.loader import (
    DEFAULT_RULES_PATH,
    RULES_SCHEMA_PATH,
    load_rules,
    load_schema,
)
from services.alerts.rules.model import (
    BurnRateRule,
    NoDataRule,
    OffTrajectoryRule,
    ProjectedMissRule,
    Rule,
    RuleSource,
    Selector,
    Severity,
    StaleFeedRule,
    ThresholdRule,
    matches,
    render_annotations,
    tells_apart,
)
from services.alerts.rules.selection import Chooser

__all__ = [
    "BurnRateRule",
    "Chooser",
    "DEFAULT_RULES_PATH",
    "DurationError",
    "InvalidRule",
    "NoDataRule",
    "OffTrajectoryRule",
    "Problem",
    "ProjectedMissRule",
    "RULES_SCHEMA_PATH",
    "Rule",
    "RuleError",
    "RuleFileError",
    "RuleSource",
    "Selector",
    "Severity",
    "StaleFeedRule",
    "ThresholdRule",
    "format_duration",
    "load_rules",
    "load_schema",
    "matches",
    "parse_duration",
    "render_annotations",
    "spell_duration",
    "tells_apart",
]
