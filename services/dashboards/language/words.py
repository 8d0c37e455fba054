"""What the dashboards call things, in each language: families, feed states, the lines of a
target's chart, the multiples data are shown in, and each target's name, unit, goal and
citation. Pure.

What ontrack says to people anywhere is in services.language, and the dashboards take it
from there: indicator, plan and region names (``Glossary``), units (``unit_label``), clauses
(``clause_of``), and the words for target statuses, severities, alert states and alert
kinds (the message catalogue's ``status.*``, ``severity.*``, ``state.*``, ``problem.*``).
Only what the dashboards alone say is kept here; the engine's sentences about the data a
judgement rests on are in services.dashboards.language.sentences.

Chinese follows the plans and the way statistics are published: a target is named as the
plans name it (2025年集装箱吞吐量, 西海岸新区2025年充电桩保有量), its values are shown in
the unit the plan states its figure in (2600万标准箱 → 万标准箱, 6.7亿吨 → 亿吨, 4万个 → 万个),
and a clause is cited with the plan's title, never the file it was read from
(《青岛市……三年行动计划（2023—2025年）》五（四）57.持续深入打好蓝天保卫战). English names the
same things from the catalogue's ``name`` and the plan's ``title``, in million and billion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from services.indicators.catalogue import Indicator
from services.indicators.plans import Plan, Target
from services.indicators.units import MULTIPLIERS
from services.language import MESSAGES, Glossary, Language, clause_of, tr, unit_label

__all__ = [
    "ALERT_KINDS",
    "ALERT_STATES",
    "CHART_SERIES",
    "FAMILY_NAMES",
    "FEED_STATES",
    "SEVERITIES",
    "LANGS",
    "NOT_EVALUATED",
    "STATUS_WORDS",
    "Lang",
    "TargetText",
    "data_unit",
    "family_name",
    "target_text",
    "unit_word",
    "word",
    "words_in",
]

Lang = Literal["en", "zh-CN"]
LANGS: tuple[Lang, ...] = ("en", "zh-CN")


def _catalogue(prefix: str) -> Mapping[str, Mapping[Lang, str]]:
    """The words of services.language's message catalogue under ``prefix`` (``status.``), by
    what they name (``on_track``), in each language; sentences with placeholders left out."""
    return {
        key.removeprefix(prefix): {lang: tr(Language(lang), key) for lang in LANGS}
        for key, (english, _) in MESSAGES.items()
        if key.startswith(prefix) and "{" not in english
    }


# A target's status at the engine's last evaluation; an alert's severity, state and kind:
# the words e-mails, the command line and the report use too.
STATUS_WORDS: Mapping[str, Mapping[Lang, str]] = _catalogue("status.")
SEVERITIES: Mapping[str, Mapping[Lang, str]] = _catalogue("severity.")
ALERT_STATES: Mapping[str, Mapping[Lang, str]] = _catalogue("state.")
ALERT_KINDS: Mapping[str, Mapping[Lang, str]] = _catalogue("problem.")

# A published target the engine has not judged yet.
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

_EN_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"))

# The multiple data of a unit is shown in, as statistical yearbooks show it (万吨, 万标准箱,
# 亿元; million tonnes, billion yuan); units not listed are shown as they are.
_DATA_MULTIPLES: Mapping[str, Mapping[Lang, tuple[int, str]]] = {
    "t": {"en": (10**6, "million"), "zh-CN": (10**4, "万")},
    "t/yr": {"en": (10**6, "million"), "zh-CN": (10**4, "万")},
    "TEU": {"en": (10**6, "million"), "zh-CN": (10**4, "万")},
    "passengers": {"en": (10**6, "million"), "zh-CN": (10**4, "万")},
    "visits": {"en": (10**6, "million"), "zh-CN": (10**4, "万")},
    "kW": {"en": (10**6, "million"), "zh-CN": (10**4, "万")},
    "kWh": {"en": (10**9, "billion"), "zh-CN": (10**8, "亿")},
    "CNY": {"en": (10**9, "billion"), "zh-CN": (10**8, "亿")},
    "people": {"en": (10**6, "million"), "zh-CN": (10**4, "万")},
    "mu": {"en": (10**6, "million"), "zh-CN": (10**4, "万")},
}


def family_name(family: str, lang: Lang) -> str:
    names = FAMILY_NAMES.get(family)
    return names[lang] if names else family


def unit_word(unit: str, lang: Lang) -> str:
    """A canonical unit as ``lang`` writes it (``TEU`` → 标准箱); unknown ones as they are."""
    return unit_label(unit, Language(lang))


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
    language = Language(lang)
    names = Glossary.of([indicator], [plan])
    scale, multiple = _scale(target, lang)
    word = unit_word(target.unit, lang)
    label = names.target(target.id, language)
    title = names.plan(plan.id, language)
    if lang == "zh-CN":
        unit = f"{multiple}{word}"
        bound = "不低于" if target.comparator == ">=" else "不高于"
        goal = f"{bound}{_number(target.value / scale, lang)}{unit}"
    else:
        unit = " ".join(w for w in (multiple, word) if w)
        bound = "at least" if target.comparator == ">=" else "at most"
        space = "" if word == "%" or not unit else " "
        goal = f"{bound} {_number(target.value / scale, lang)}{space}{unit}"
    clause = clause_of(target.source_clause, plan.source, "；" if lang == "zh-CN" else "; ")
    citation = (
        f"《{title}》{clause}" if lang == "zh-CN" else ", ".join(x for x in (title, clause) if x)
    )
    quote = names.quote(target.id)
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
