"""What people read, in their language: Chinese (zh-CN) or English (en).

``Language`` and how it is chosen (``ONTRACK_LANG``, ``--lang``, else the locale); the one
message catalogue (``tr``); numbers as Chinese statistics or English write them (万/亿,
million/billion, never scientific notation); durations in days and hours; names of
indicators, targets and plans, and a clause cited with its plan's title (``Glossary``);
and tables whose columns line up with Chinese characters in them.
"""

from services.language.dates import day, duration, moment
from services.language.messages import MESSAGES, tr
from services.language.model import (
    LOCALE_VARIABLES,
    Language,
    LanguageError,
    from_locale,
    parse_language,
)
from services.language.names import REGION_NAMES, Glossary, TargetFacts, clause_of
from services.language.numbers import (
    number,
    percent,
    plain,
    quantity,
    short_number,
    signed,
    unit_label,
)
from services.language.phrases import pace_sentence
from services.language.tables import table, width

__all__ = [
    "LOCALE_VARIABLES",
    "MESSAGES",
    "REGION_NAMES",
    "Glossary",
    "Language",
    "LanguageError",
    "TargetFacts",
    "clause_of",
    "day",
    "duration",
    "from_locale",
    "moment",
    "number",
    "pace_sentence",
    "parse_language",
    "percent",
    "plain",
    "quantity",
    "short_number",
    "signed",
    "table",
    "tr",
    "unit_label",
    "width",
]
