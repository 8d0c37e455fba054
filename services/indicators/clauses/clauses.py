"""Finding the numeric clauses of a plan document: every clause that carries a quantity.

Pure, on text. A plan document is plain Chinese text; its lines may be whole paragraphs
(a published plan) or wrapped mid-sentence (a newspaper column, even across a blank
line). Lines are folded with Unicode NFKC (full-width ``，（％`` become ``,(%``), joined
into paragraphs, and the paragraphs cut into clauses at ``，。；：！？``, dashes and
ellipses. A clause is numeric when it holds a quantity:

- digits with an optional 万/亿 and a unit or measure word: ``6.7亿吨``, ``2600万标准箱``,
  ``88.8%``, ``3.4万个``, ``1至2家`` (a range);
- 千亿/百亿 written in characters right after 突破/达到/超过 (``突破千亿元``);
- a bare number right after a comparing word (达到, 降至, 不低于, …), as in
  ``城乡居民收入比降至2.2左右`` or ``有效利用系数不低于0.65``.

Years (``2025年``), dates, list numbers (``57.``) and names such as ``“5+7”`` carry no
unit and are not quantities. Whether a quantity is a target, a past figure or a
description is not decided here (see ``cover``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from services.indicators.units import parse_quantity

__all__ = ["Clause", "Quantity", "fold", "numeric_clauses", "pieces"]

# Measure words and units, longest first so that 万吨/年 wins over 吨 and 个百分点 over 个.
_UNITS = (
    "微克/立方米", "个百分点", "千瓦时", "吨/年", "平方米", "标准箱", "千瓦", "公里", "千米",
    "人次", "%", "‰", "元", "吨", "个", "家", "条", "列", "人", "名", "户", "亩", "所",
    "项", "件", "艘", "岁", "处", "台", "座", "部", "辆", "张", "倍", "位", "批", "类",
    "种", "支", "套", "场", "届", "次", "天",
)  # fmt: skip
# Measure words count things of any kind (个 routes, 个 parks, 人 per 10 000 people); the
# rest are units of measure, whose dimension a target's unit must share.
_MEASURE_WORDS = frozenset(
    "个 家 条 列 人 名 户 所 项 件 艘 处 台 座 部 辆 张 倍 位 批 类 种 支 套 场 届 次 天".split()
)
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_MULTIPLIER = r"(?:万亿|千万|百万|十万|亿|万)"
_UNIT = "|".join(re.escape(u) for u in _UNITS)
_WITH_UNIT = re.compile(
    rf"(?<![\d.,])(?P<number>{_NUMBER}(?:(?:至|到|~|-|—){_NUMBER})?{_MULTIPLIER}?)(?P<unit>{_UNIT})"
)
_IN_WORDS = {"万亿": 10**12, "千亿": 10**11, "百亿": 10**10, "千万": 10**7, "百万": 10**6}
_WORDS = re.compile(
    r"(?<=突破|达到|超过)(?P<number>万亿|千亿|百亿|千万|百万)(?P<unit>元|吨|千瓦|人次|人|标准箱)"
)
_COMPARING = (
    "达到|不低于|不高于|不超过|低于|高于|降至|降到|降低到|降低至|缩小至|缩小到|提高到|提高至|"
    "提升到|提升至|保持在|稳定在|控制在|增至|增加到|突破|超过"
)
_BARE = re.compile(
    rf"(?:{_COMPARING})(?P<number>{_NUMBER}(?:[∶:]{_NUMBER})?)(?P<unit>)"
    r"(?=左右|以上|以内|以下|$|[、和及与])"
)
_RANGE = re.compile(r"\d(?:至|到|~|-|—)\d")
_RATIO = re.compile(rf"({_NUMBER})[∶:]({_NUMBER})")
# Where a paragraph is cut into clauses; a comma or colon between digits stays.
_CUTS = re.compile(r"(?<!\d)[,:]|[,:](?!\d)|[。;!?！？；]|——|\.{3,}|…+")
_BOOKMARK = re.compile(r"\[bookmark: [^\]]*\]")  # left by word processors' text export
_ENDS_SENTENCE = re.compile(r"[。;!?！？；:]$")
_STARTS_PARAGRAPH = re.compile(
    r"^(?:■|●|>>|[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\)|\d+\.(?!\d)|第[一二三四五六七八九十]+)"
)


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number with its unit as the document writes it: ``6.7亿吨`` → 6.7亿 and 吨."""

    text: str
    number: str
    unit: str
    value: float | None  # None for a range such as 1至2家

    @property
    def is_range(self) -> bool:
        return self.value is None

    @property
    def measured_in(self) -> str | None:
        """The unit of measure (吨, %, 公里 …); None for a measure word (家, 个) or none."""
        return self.unit if self.unit and self.unit not in _MEASURE_WORDS else None


@dataclass(frozen=True, slots=True)
class Clause:
    """One clause of a document (folded text), the line it starts on, and its quantities."""

    text: str
    line: int
    quantities: tuple[Quantity, ...]


def fold(text: str) -> str:
    """Text as clauses are compared: NFKC (full-width punctuation to ASCII), no spaces."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def pieces(text: str) -> list[str]:
    """The clauses of a short text such as a target's quoted sentence, folded."""
    return [p for p in (s.strip() for s in _CUTS.split(fold(text))) if p]


def numeric_clauses(text: str) -> list[Clause]:
    """Every clause of ``text`` holding at least one quantity, in document order."""
    found: list[Clause] = []
    for paragraph, lines in _paragraphs(text):
        start = 0
        for match in _CUTS.finditer(paragraph + "。"):
            part = paragraph[start : match.start()]
            offset = start + len(part) - len(part.lstrip())
            start = match.end()
            clause = part.strip()
            quantities = _quantities(clause)
            if quantities:
                found.append(Clause(clause, _line_at(lines, offset), quantities))
    return found


def _paragraphs(text: str) -> list[tuple[str, list[tuple[int, int]]]]:
    """Paragraphs of folded lines, each with (offset in the paragraph, line number) marks.

    A line continues the paragraph unless the paragraph so far ends a sentence or the line
    opens one (a heading number, a bullet): newspaper columns wrap mid-word, even across
    blank lines.
    """
    paragraphs: list[tuple[str, list[tuple[int, int]]]] = []
    buf, marks = "", list[tuple[int, int]]()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = fold(_BOOKMARK.sub("", raw))
        if not line:
            continue
        if buf and (_ENDS_SENTENCE.search(buf) or _STARTS_PARAGRAPH.match(line)):
            paragraphs.append((buf, marks))
            buf, marks = "", []
        marks.append((len(buf), number))
        buf += line
    if buf:
        paragraphs.append((buf, marks))
    return paragraphs


def _line_at(marks: list[tuple[int, int]], offset: int) -> int:
    line = marks[0][1]
    for at, number in marks:
        if at > offset:
            break
        line = number
    return line


def _quantities(clause: str) -> tuple[Quantity, ...]:
    spans: dict[int, Quantity] = {}
    for pattern in (_WITH_UNIT, _WORDS, _BARE):
        for m in pattern.finditer(clause):
            start = m.start("number")
            if not any(s <= start < s + len(q.text) for s, q in spans.items()):
                number, unit = m.group("number"), m.group("unit")
                spans[start] = Quantity(number + unit, number, unit, _value(number))
    return tuple(q for _, q in sorted(spans.items()))


def _value(number: str) -> float | None:
    if number in _IN_WORDS:
        return float(_IN_WORDS[number])
    if _RANGE.search(number):
        return None
    ratio = _RATIO.fullmatch(number)
    if ratio is not None:
        return float(Decimal(ratio.group(1)) / Decimal(ratio.group(2)))
    return parse_quantity(number)
