"""The alert engine's sentences about the data a judgement rests on, in Chinese: its
``basis`` (how the actual value was taken, from how many values) and its ``validity`` (whether
the data is enough to judge, or why a year cannot be judged). Pure.

The engine writes both in English (services/indicators/measure.py, coverage.py, assess.py).
Each is translated by regular expressions that Python's ``re`` and PostgreSQL's
``regexp_replace`` read alike (no look-around, no ``\\b``; ``\\1`` for a group), so the
dashboards' SQL says in Chinese exactly what :func:`basis_text` and :func:`validity_text` say.

- ``BASIS``: one pattern per sentence, its Chinese, and the group holding how many values it
  rests on; the first pattern that matches applies.
- ``VALIDITY``: replacements applied one after the other to the whole text (every match):
  month names, then the phrases (units, the rule a requirement comes from), then the heads
  of the sentences, then the separators. A validity is one or more sentences joined by
  ``"; "``: ``2025: 340 valid days, enough (GB 3095-2012 validity)``,
  ``2026 cannot be judged: Feb short (GB 3095-2012 validity)``, ``2026 so far: 11 months
  reported; Mar not reported``.
"""

from __future__ import annotations

import calendar
import re

__all__ = ["BASIS", "VALIDITY", "basis_text", "basis_values", "validity_text"]

# pattern, its Chinese (with \1, \2 for the groups), and the group holding how many values
# it rests on (0: one value; -1: none).
BASIS: tuple[tuple[str, str, int], ...] = (
    (r"^mean of (\d+) daily values, (\d+) so far$", r"\2年以来\1个日值的平均", 1),
    (r"^mean of (\d+) daily values over the last 12 months$", r"近12个月\1个日值的平均", 1),
    (r"^mean of (\d+) monthly values over the last 12 months$", r"近12个月\1个月值的平均", 1),
    (r"^sum of (\d+) so far \((\d+) month\(s\) with data\)$", r"\1年累计（\2个月有数据）", 2),
    (r"^latest value, as of (\d{4}-\d{2}-\d{2})$", r"最新值（\1）", 0),
    (
        r"^compound average of the yearly growth of (\d{4}(–\d{4})?) "
        r"\((\d+) of (\d+) years after (\d{4})\)$",
        r"\1年增速的复合平均（\5年后\4年中已有\3年数据）",
        3,
    ),
    (r"^sum of (\d+) so far \((\d+) quarterly reports?\)$", r"\1年累计（\2个季度的报告）", 2),
    (r"^(\d{4}) total \(the year's report\)$", r"\1年全年合计（年度报告）", 0),
    (
        r"^(\d{4}) total \((\d) quarterly reports\), the latest whole year$",
        r"最近完整年度\1年全年合计",
        2,
    ),
    (
        r"^(\d{4}) total \(the year's report\), the latest whole year$",
        r"最近完整年度\1年全年合计",
        0,
    ),
    (r"^no data in (\d+)$", r"\1年无数据", -1),
    (r"^no data$", r"无数据", -1),
)

# Month names first (the engine names months Jan … Dec, and no other word of its sentences
# begins with one of them), then phrases, then the heads of the sentences, then separators.
VALIDITY: tuple[tuple[str, str], ...] = (
    *((calendar.month_abbr[m], f"{m}月") for m in range(1, 13)),
    (r"月, ", "月、"),
    (r" valid days", "个有效日"),
    (r" months reported", "个月有报送"),
    (r"(\d+) reports?", r"\1份报告"),
    (r"Q(\d)", r"第\1季度"),
    (r" \(GB 3095-2012 validity\)", "（GB 3095-2012有效性规定）"),
    (r" \(90 % of each month's days\)", "（每月须有九成天数的数据）"),
    (r" \(a report for every month\)", "（每月须有报送）"),
    (r" \(a report for every quarter\)", "（每季度须有报送）"),
    (r" \(the year's report\)", "（须有年度报告）"),
    (r"(\d{4}) cannot be judged: only ", r"\1年无法判断：仅"),
    (r"(\d{4}) cannot be judged: ", r"\1年无法判断："),
    (r"(\d{4}): only ", r"\1年：仅"),
    (r"(\d{4}) so far: ", r"\1年至今："),
    (r"(\d{4}): ", r"\1年："),
    (r", enough", "，足以判断"),
    (r" short", "有效数据不足"),
    (r" not reported", "未报送"),
    (r"; ", "；"),
)


def basis_text(basis: str, lang: str) -> str:
    """The engine's basis sentence in ``lang`` (as the dashboards' SQL writes it)."""
    if lang == "en":
        return basis
    for pattern, chinese, _ in BASIS:
        if re.match(pattern, basis):
            return re.sub(pattern, chinese, basis)
    return basis


def basis_values(basis: str) -> int | None:
    """How many values the basis sentence says the actual value rests on."""
    for pattern, _, group in BASIS:
        match = re.match(pattern, basis)
        if match:
            return int(match[group]) if group > 0 else (1 if group == 0 else 0)
    return None


def validity_text(validity: str, lang: str) -> str:
    """The engine's validity sentences in ``lang`` (as the dashboards' SQL writes them)."""
    if lang == "en":
        return validity
    for pattern, chinese in VALIDITY:
        validity = re.sub(pattern, chinese, validity)
    return validity
