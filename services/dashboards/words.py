"""What the dashboards call things, in each language: status words, families, regions, units,
and each target's name, unit, goal and citation. Pure; the one place for these words.

Chinese follows the plans and the way statistics are published: a target is named as the
plans name it (2025年集装箱吞吐量, 西海岸新区2025年充电桩保有量), its values are shown in
the unit the plan states its figure in (2600万标准箱 → 万标准箱, 6.7亿吨 → 亿吨, 4万个 → 万个),
and a clause is cited with the plan's title, never the file it was read from
(《青岛市……三年行动计划（2023—2025年）》五（四）57.持续深入打好蓝天保卫战). English names the
same things from the catalogue's ``name`` and the plan's ``title``, in million and billion.

The engine writes its ``basis`` (what an actual value rests on) in English; ``BASIS``
holds its sentences as patterns and their Chinese, which the dashboards' SQL applies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from services.indicators.catalogue import Indicator
from services.indicators.plans import Plan, Target
from services.indicators.units import MULTIPLIERS
from services.language import REGION_NAMES

__all__ = [
    "ALERT_KINDS",
    "ALERT_STATES",
    "BASIS",
    "CHART_SERIES",
    "FAMILY_NAMES",
    "FEED_STATES",
    "SEVERITIES",
    "LANGS",
    "NOT_EVALUATED",
    "STATUS_WORDS",
    "Lang",
    "TargetText",
    "basis_text",
    "basis_values",
    "clause_of",
    "data_unit",
    "family_name",
    "region_name",
    "target_text",
    "unit_word",
    "word",
    "words_in",
]

Lang = Literal["en", "zh-CN"]
LANGS: tuple[Lang, ...] = ("en", "zh-CN")

# A target's status at the engine's last evaluation, as a plan office says it.
STATUS_WORDS: Mapping[str, Mapping[Lang, str]] = {
    "on_track": {"en": "on track", "zh-CN": "按进度推进"},
    "met": {"en": "met", "zh-CN": "已达成"},
    "at_risk": {"en": "at risk", "zh-CN": "有风险"},
    "off_track": {"en": "off track", "zh-CN": "进度滞后"},
    "missed": {"en": "missed", "zh-CN": "未达成"},
    "no_data": {"en": "no data", "zh-CN": "无有效数据"},
    "insufficient_data": {"en": "insufficient data", "zh-CN": "有效数据不足"},
}
NOT_EVALUATED: Mapping[Lang, str] = {"en": "not evaluated", "zh-CN": "尚未评估"}

FAMILY_NAMES: Mapping[str, Mapping[Lang, str]] = {
    "air": {"en": "Air", "zh-CN": "空气质量"},
    "water": {"en": "Water", "zh-CN": "近岸海域水质"},
    "port": {"en": "Port", "zh-CN": "港口"},
    "airport": {"en": "Airport", "zh-CN": "机场"},
    "power": {"en": "Power", "zh-CN": "电力"},
    "energy": {"en": "Energy", "zh-CN": "能源保障"},
    "telecom": {"en": "5G", "zh-CN": "5G网络"},
    "economy": {"en": "Economy", "zh-CN": "经济与创新"},
    "people": {"en": "Talent", "zh-CN": "人才"},
    "industry": {"en": "Industry", "zh-CN": "产业"},
    "green": {"en": "Green development", "zh-CN": "绿色低碳"},
    "society": {"en": "Public services", "zh-CN": "社会民生"},
    "transport": {"en": "Transport", "zh-CN": "交通设施"},
    "agriculture": {"en": "Agriculture and rural areas", "zh-CN": "农业农村"},
}

# Alerts: what kind of rule fired, how urgent, where in its lifecycle.
ALERT_KINDS: Mapping[str, Mapping[Lang, str]] = {
    "off_trajectory": {"en": "behind its trajectory", "zh-CN": "偏离序时进度"},
    "projected_miss": {"en": "projected to miss", "zh-CN": "预计难以如期完成"},
    "burn_rate": {"en": "falling behind fast", "zh-CN": "推进速度持续偏慢"},
    "stale_feed": {"en": "feed silent", "zh-CN": "数据中断"},
    "threshold": {"en": "over the limit", "zh-CN": "超过限值"},
}
SEVERITIES: Mapping[str, Mapping[Lang, str]] = {
    "page": {"en": "page", "zh-CN": "紧急"},
    "ticket": {"en": "ticket", "zh-CN": "一般"},
}
ALERT_STATES: Mapping[str, Mapping[Lang, str]] = {
    "inactive": {"en": "inactive", "zh-CN": "未触发"},
    "pending": {"en": "pending", "zh-CN": "待确认"},
    "firing": {"en": "firing", "zh-CN": "告警中"},
    "resolved": {"en": "resolved", "zh-CN": "已解除"},
}
FEED_STATES: Mapping[str, Mapping[Lang, str]] = {
    "fresh": {"en": "fresh", "zh-CN": "正常"},
    "late": {"en": "late", "zh-CN": "迟报"},
    "silent": {"en": "silent", "zh-CN": "中断"},
}

# The lines of a target's chart (target_chart, migration 0005).
CHART_SERIES: Mapping[str, Mapping[Lang, str]] = {
    "actual": {"en": "actual", "zh-CN": "实际值"},
    "trajectory": {"en": "trajectory", "zh-CN": "序时进度"},
    "target": {"en": "target", "zh-CN": "目标值"},
    "projection": {"en": "projection", "zh-CN": "预测"},
    "projection low": {"en": "projection low", "zh-CN": "预测下限"},
    "projection high": {"en": "projection high", "zh-CN": "预测上限"},
}

_REGIONS: Mapping[str, Mapping[Lang, str]] = {
    region: {"en": en, "zh-CN": zh} for region, (en, zh) in REGION_NAMES.items()
}

# Canonical units as each language writes them after a number.
_UNITS: Mapping[str, Mapping[Lang, str]] = {
    "t": {"en": "tonnes", "zh-CN": "吨"},
    "t/yr": {"en": "tonnes/year", "zh-CN": "吨/年"},
    "TEU": {"en": "TEU", "zh-CN": "标准箱"},
    "kW": {"en": "kW", "zh-CN": "千瓦"},
    "kWh": {"en": "kWh", "zh-CN": "千瓦时"},
    "CNY": {"en": "yuan", "zh-CN": "元"},
    "days": {"en": "days", "zh-CN": "天"},
    "people": {"en": "people", "zh-CN": "人"},
    "passengers": {"en": "passengers", "zh-CN": "人次"},
    "enterprises": {"en": "enterprises", "zh-CN": "家"},
    "firms": {"en": "firms", "zh-CN": "家"},
    "stations": {"en": "stations", "zh-CN": "个"},
    "piles": {"en": "charging piles", "zh-CN": "个"},
    "routes": {"en": "routes", "zh-CN": "条"},
    "trains": {"en": "trains", "zh-CN": "列"},
    "µg/m³": {"en": "µg/m³", "zh-CN": "微克/立方米"},
    "mg/m³": {"en": "mg/m³", "zh-CN": "毫克/立方米"},
    "AQI": {"en": "", "zh-CN": ""},
    "%": {"en": "%", "zh-CN": "%"},
}

_EN_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"))

# The multiple data of a unit is shown in, as statistical yearbooks show it (万吨, 万标准箱,
# 亿元; million tonnes, billion yuan); units not listed are shown as they are.
_DATA_MULTIPLES: Mapping[str, Mapping[Lang, tuple[int, str]]] = {
    "t": {"en": (10**6, "million"), "zh-CN": (10**4, "万")},
    "t/yr": {"en": (10**6, "million"), "zh-CN": (10**4, "万")},
    "TEU": {"en": (10**6, "million"), "zh-CN": (10**4, "万")},
    "passengers": {"en": (10**6, "million"), "zh-CN": (10**4, "万")},
    "kW": {"en": (10**6, "million"), "zh-CN": (10**4, "万")},
    "kWh": {"en": (10**9, "billion"), "zh-CN": (10**8, "亿")},
    "CNY": {"en": (10**9, "billion"), "zh-CN": (10**8, "亿")},
    "people": {"en": (10**6, "million"), "zh-CN": (10**4, "万")},
}
_FILE = re.compile(r"^\S+\.(?:txt|pdf|html?|docx?)$", re.IGNORECASE)

# The engine's basis sentences (services/indicators/measure.py): pattern, its Chinese (with
# \1, \2 for the groups, as both Python's re and PostgreSQL's regexp_replace read them),
# and the group holding how many values it rests on (0: one value; -1: none).
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
    (r"^no data in (\d+)$", r"\1年无数据", -1),
    (r"^no data$", r"无数据", -1),
)


def family_name(family: str, lang: Lang) -> str:
    names = FAMILY_NAMES.get(family)
    return names[lang] if names else family


def region_name(region: str | None, lang: Lang) -> str:
    names = _REGIONS.get(region or "city")
    return names[lang] if names else str(region)


def unit_word(unit: str, lang: Lang) -> str:
    """A canonical unit as ``lang`` writes it (``TEU`` → 标准箱); unknown ones as they are."""
    words = _UNITS.get(unit)
    return words[lang] if words else unit


def word(words: Mapping[str, Mapping[Lang, str]], key: str, lang: Lang) -> str:
    """``key``'s word in ``lang`` from one of the tables above; the key if it has none."""
    found = words.get(key)
    return found[lang] if found else key


def words_in(words: Mapping[str, Mapping[Lang, str]], lang: Lang) -> dict[str, str]:
    """One of the tables above in ``lang``: ``{key: word}``."""
    return {key: found[lang] for key, found in words.items()}


def data_unit(unit: str, lang: Lang) -> tuple[float, str]:
    """The scale and unit ``lang`` shows data of ``unit`` in: ``TEU`` → (10⁴, 万标准箱)."""
    size, multiple = _DATA_MULTIPLES.get(unit, {}).get(lang, (1, ""))
    shown = unit_word(unit, lang)
    if lang == "zh-CN":
        return float(size), f"{multiple}{shown}"
    return float(size), " ".join(w for w in (multiple, shown) if w)


def clause_of(source_clause: str, source: str | None = None, sep: str = "; ") -> str:
    """The clause without the file it was read from: ``001_….txt · 五（四）57.…`` → ``五（四）57.…``.

    A target citing several places (``…; …``) keeps those of the plan's own ``source`` when
    given (a republication of the same text cites its clause again), joined by ``sep``.
    """
    cited = [_cited(part) for part in source_clause.split(";")]
    own = [clause for file, clause in cited if file is None or file == source]
    kept = own if source is not None and own else [clause for _, clause in cited]
    return sep.join(dict.fromkeys(c for c in kept if c))


def _cited(citation: str) -> tuple[str | None, str]:
    """(file, clause) of one ``file · clause`` citation; the file None when it names none."""
    parts = [p.strip() for p in citation.split("·")]
    files = [p for p in parts if _FILE.match(p)]
    clause = " · ".join(p for p in parts if p and not _FILE.match(p))
    return (files[0] if files else None), clause


def basis_text(basis: str, lang: Lang) -> str:
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


@dataclass(frozen=True, slots=True)
class TargetText:
    """How one language shows a target: values are divided by ``scale`` and followed by
    ``unit``; ``goal`` states the target in those units."""

    lang: Lang
    label: str
    unit: str
    scale: float
    goal: str
    plan_title: str
    clause: str
    citation: str
    quote: str


def target_text(target: Target, indicator: Indicator, plan: Plan, lang: Lang) -> TargetText:
    scale, multiple = _scale(target, lang)
    word = unit_word(target.unit, lang)
    if lang == "zh-CN":
        unit = f"{multiple}{word}"
        bound = "不低于" if target.comparator == ">=" else "不高于"
        goal = f"{bound}{_number(target.value / scale, lang)}{unit}"
        region = region_name(target.region, lang) if target.region else ""
        label = f"{region}{target.deadline.year}年{indicator.name_zh or indicator.name}"
        title = plan.title_zh or plan.title
    else:
        unit = " ".join(w for w in (multiple, word) if w)
        bound = "at least" if target.comparator == ">=" else "at most"
        space = "" if word == "%" or not unit else " "
        goal = f"{bound} {_number(target.value / scale, lang)}{space}{unit}"
        where = [str(target.deadline.year)]
        if target.region:
            where.append(region_name(target.region, lang))
        label = f"{indicator.name} ({', '.join(where)})"
        title = plan.title
    clause = clause_of(target.source_clause, plan.source, "；" if lang == "zh-CN" else "; ")
    citation = (
        f"《{title}》{clause}" if lang == "zh-CN" else ", ".join(x for x in (title, clause) if x)
    )
    quote = f"“{target.source_text.strip()}”" if target.source_text.strip() else ""
    return TargetText(lang, label, unit, scale, goal, title, clause, citation, quote)


def _scale(target: Target, lang: Lang) -> tuple[float, str]:
    """Chinese: the multiple the plan states its figure in (``2600万`` → 10⁴, 万); English:
    million, billion or trillion by the size of the target."""
    if lang == "zh-CN":
        figure = target.stated.split()[1] if len(target.stated.split()) > 2 else ""
        for word in sorted(MULTIPLIERS, key=len, reverse=True):
            if figure.endswith(word):
                return float(MULTIPLIERS[word]), word
        return 1.0, ""
    for size, word in _EN_SCALES:
        if abs(target.value) >= size:
            return float(size), word
    return 1.0, ""


def _number(x: float, lang: Lang) -> str:
    """A figure as a plan writes it: 2600, 6.7, 88.8, 0 (no exponent, no trailing zeros);
    English groups thousands (400,000)."""
    text = format(Decimal(repr(round(x, 4))), ",f" if lang == "en" else "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
