"""What a notification tells people, in their language (pure): a headline and a few facts.

A notification is told from what its alert fired for — the rule's kind and the value
that made it fire (``value``), the alert's annotations (a rule's ``runbook``,
``runbook_zh`` and ``runbook_url``) — and from the numbers of its explanation, which for
a repeat are the latest evaluation's ("now"). It says what is off and by how much, since
when, what it takes to recover (the pace needed against the recent pace), where the
trend leads, which sources pull it off (the engine's contributors: the top three with
their share), the plan's own sentence with the plan's title and clause, what to do, and
how to acknowledge. Names come from the catalogue and the plans (:class:`Glossary`);
numbers, units, dates and durations as the language writes them. The explanation itself
is never listed field by field: it is one link away, ``/v1/alerts/{fingerprint}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from services.alerts.notify.message import Kind, Notification
from services.alerts.notify.values import (
    as_date,
    as_map,
    as_number,
    as_time,
    probability,
    spelled,
)
from services.language import (
    Glossary,
    Language,
    day,
    duration,
    moment,
    number,
    pace_sentence,
    percent,
    quantity,
    signed,
    tr,
)

__all__ = ["Story", "Voice", "headline_of", "story_of", "subject_name"]

TOP_CONTRIBUTORS = 3
_LEVEL_KINDS = ("level-mean", "ratio")


@dataclass(frozen=True)
class Voice:
    """How a receiver is spoken to: its language, the names, its time zone, the API's URL."""

    lang: Language = Language.EN
    names: Glossary = field(default_factory=Glossary)
    tz: tzinfo = UTC
    base_url: str | None = None

    def tr(self, key: str, **values: object) -> str:
        return tr(self.lang, key, **values)

    def alert_url(self, fingerprint: str) -> str | None:
        return f"{self.base_url.rstrip('/')}/v1/alerts/{fingerprint}" if self.base_url else None


@dataclass(frozen=True)
class Story:
    """A notification as people read it: the headline, then labelled facts in order, the
    sources pulling it off, what to do, how to acknowledge and where the full explanation is."""

    word: str
    severity: str
    headline: str
    name: str
    facts: tuple[tuple[str, str], ...] = ()
    contributors: tuple[str, ...] = ()
    runbook: str = ""
    runbook_url: str | None = None
    ack: tuple[str, ...] = ()
    link: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)

    def description(self) -> str:
        """The facts as plain lines (webhooks' and Alertmanager's ``description``)."""
        sep = self.labels.get("sep", ": ")
        lines = [f"{label}{sep}{text}" for label, text in self.facts]
        if self.contributors:
            lines.append(f"{self.labels['contributors']}{sep}" + "; ".join(self.contributors))
        if self.runbook:
            url = f" {self.runbook_url}" if self.runbook_url else ""
            lines.append(f"{self.labels['runbook']}{sep}{self.runbook}{url}")
        if self.ack:
            lines.append(f"{self.labels['ack']}{sep}" + " ".join(self.ack))
        if self.link:
            lines.append(f"{self.labels['details']}{sep}{self.link}")
        return "\n".join(lines)


def story_of(n: Notification, voice: Voice) -> Story:
    """What ``n`` says, in ``voice``'s language."""
    facts = _Facts(n, voice)
    return facts.story()


def subject_name(n: Notification, voice: Voice) -> str:
    """The name of what the alert is about: a target's, or a series' source and indicator."""
    return _Facts(n, voice).name


class _Facts:
    """The explanation read safely, and each fact written from it."""

    def __init__(self, n: Notification, voice: Voice) -> None:
        self.n, self.v, self.lang = n, voice, voice.lang
        e = n.explanation
        self.rule: Mapping[str, Any] = as_map(e.get("rule"))
        self.target: Mapping[str, Any] = as_map(e.get("target"))
        self.series: Mapping[str, Any] = as_map(e.get("series"))
        self.kind = str(self.rule.get("kind") or "")
        self.unit = str(self.target.get("unit") or self.series.get("unit") or "")
        self.name = self._name()

    # --- who and what ------------------------------------------------------------------

    def _name(self) -> str:
        names, lang = self.v.names, self.lang
        target = self.n.labels.get("target") or self.target.get("id")
        if target:
            return names.target(str(target), lang, **self.target)
        if self.series:
            return f"{self._source()} · {self._indicator()}"
        return self.n.annotations.get("summary") or self.n.rule_id

    def _indicator(self) -> str:
        indicator = self.series.get("indicator") or self.n.labels.get("indicator") or ""
        return self.v.names.indicator(str(indicator), self.lang) if indicator else ""

    def _source(self) -> str:
        return str(self.series.get("source") or self.n.labels.get("station") or "")

    def q(self, value: Any, unit: str | None = None) -> str:
        return quantity(float(value), self.unit if unit is None else unit, self.lang)

    # --- the story ---------------------------------------------------------------------

    def story(self) -> Story:
        v, n = self.v, self.n
        live = n.kind is not Kind.RESOLVED  # a resolved alert needs no recovery, nor anyone
        facts = [
            (v.tr(label), text)
            for label, text in (
                ("label.now", self.now()),
                ("label.since", self.since()),
                ("label.by", n.actor or ""),
                ("label.recover", self.recover() if live else ""),
                ("label.outlook", self.outlook() if live else ""),
                ("label.plan", self.plan()),
            )
            if text
        ]
        link = v.alert_url(n.fingerprint)
        ack: tuple[str, ...] = ()
        if live:
            ack = (v.tr("ack.how", fingerprint=n.fingerprint),)
            ack += (v.tr("ack.api", url=link),) if link else ()
        return Story(
            word=v.tr(f"kind.{n.kind.value}"),
            severity=_word(v.lang, "severity", n.severity),
            headline=self.headline(),
            name=self.name,
            facts=tuple(facts),
            contributors=self.contributors() if live else (),
            runbook=self.runbook() if live else "",
            runbook_url=(n.annotations.get("runbook_url") or None) if live else None,
            ack=ack,
            link=link,
            labels={k: v.tr(f"label.{k}") for k in _LABELS},
        )

    def headline(self) -> str:
        v, n, kind = self.v, self.n, self.kind
        if n.kind is Kind.RESOLVED:
            problem = (
                v.tr(f"problem.{kind}") if kind in _KINDS else v.tr("problem.other", rule=n.rule_id)
            )
            return v.tr("headline.resolved", name=self.name, problem=problem)
        value = as_number(n.value)
        if kind == "off_trajectory":
            pct = (
                value
                if value is not None
                else as_number(as_map(n.explanation.get("gap")).get("shortfall_pct"))
            )
            if pct is not None:
                return v.tr("headline.off_trajectory", name=self.name, pct=percent(pct))
        elif kind == "projected_miss" and value is not None:
            return v.tr(
                "headline.projected_miss", name=self.name, target=self.target_phrase(),
                probability=probability(value),
            )  # fmt: skip
        elif kind == "burn_rate" and value is not None:
            key = (
                "headline.burn_rate_level"
                if self.target.get("kind") in _LEVEL_KINDS
                else "headline.burn_rate"
            )
            return v.tr(key, name=self.name, factor=number(value, self.lang))
        elif kind == "stale_feed":
            silent = (
                value
                if value is not None
                else as_number(as_map(n.explanation.get("feed")).get("silent_seconds"))
            )
            if silent is not None:
                return v.tr(
                    "headline.stale_feed", source=self._source(), indicator=self._indicator(),
                    silence=duration(timedelta(seconds=silent), self.lang),
                )  # fmt: skip
        elif kind == "threshold" and value is not None:
            limit, direction = self.limit()
            if limit is not None:
                return v.tr(
                    f"headline.threshold_{direction}", indicator=self._indicator(),
                    source=self._source(), value=self.q(value), limit=self.q(limit),
                )  # fmt: skip
        if kind in _KINDS:
            return v.tr("headline.kind", name=self.name, problem=v.tr(f"problem.{kind}"))
        return v.tr("headline.other", rule=n.rule_id, name=self.name)

    def target_phrase(self) -> str:
        """at least 40,000 stations by 2026-12-31 / 2026年12月31日前达到4万个."""
        t = self.target
        value, comparator = as_number(t.get("value")), t.get("comparator")
        if value is None or comparator not in (">=", "<="):
            return ""
        what = self.v.tr(f"comparator.{comparator}", value=self.q(value))
        deadline = as_date(t.get("deadline"))
        return (
            self.v.tr("target.by", what=what, deadline=day(deadline, self.lang))
            if deadline
            else what
        )

    # --- the facts ---------------------------------------------------------------------

    def now(self) -> str:
        if self.target:
            return self.target_now()
        if self.kind == "stale_feed":
            feed = as_map(self.n.explanation.get("feed"))
            cadence = spelled(feed.get("cadence"), self.lang) or "?"
            last = as_time(feed.get("last_seen"))
            if last is None:
                return self.v.tr("now.stale_never", cadence=cadence)
            return self.v.tr(
                "now.stale", last_seen=moment(last, self.lang, self.v.tz), cadence=cadence
            )
        if self.kind == "threshold":
            return self.threshold_now()
        return ""

    def target_now(self) -> str:
        v, e = self.v, self.n.explanation
        actual = as_number(as_map(e.get("actual")).get("value"))
        expected = as_number(e.get("expected"))
        target = self.target_phrase()
        if actual is None:
            text = v.tr("now.no_data", target=target)
        elif expected is None:
            text = v.tr("now.target_no_expected", actual=self.q(actual), target=target)
        else:
            text = v.tr(
                "now.target", actual=self.q(actual), expected=self.q(expected),
                gap=self.gap(), target=target,
            )  # fmt: skip
        sentences = [text]
        status = e.get("status")
        if isinstance(status, str) and status:
            sentences.append(v.tr("now.status", status=_word(self.lang, "status", status)))
        days = e.get("days_left")
        if isinstance(days, int | float) and not isinstance(days, bool):
            left = v.tr("now.days_left", days=int(days)) if days > 0 else ""
            sentences.append(left or v.tr("now.deadline_passed"))
        return v.tr("sentence.sep").join(sentences)

    def gap(self) -> str:
        gap = as_map(self.n.explanation.get("gap"))
        behind = gap.get("behind")
        shortfall, pct = as_number(gap.get("shortfall_pct")), as_number(gap.get("pct"))
        if behind and shortfall is not None:
            return self.v.tr("gap.behind", pct=percent(shortfall))
        if pct is not None and abs(pct) >= 0.05:
            return self.v.tr("gap.ahead", pct=percent(abs(pct)))
        return self.v.tr("gap.level")

    def threshold_now(self) -> str:
        value = as_number(self.n.value)
        limit, _ = self.limit()
        recover = as_number(self.rule.get("recover_below") or self.rule.get("recover_above"))
        if value is None or limit is None:
            return ""
        aggregate = str(self.rule.get("aggregate") or "mean")
        key = f"aggregate.{aggregate}"
        return self.v.tr(
            "now.threshold",
            aggregate=self.v.tr(key) if key in _AGGREGATES else aggregate,
            bucket=spelled(self.rule.get("bucket"), self.lang) or "?",
            value=self.q(value),
            limit=self.q(limit),
            recover=self.q(recover if recover is not None else limit),
        )

    def limit(self) -> tuple[float | None, str]:
        above, below = as_number(self.rule.get("above")), as_number(self.rule.get("below"))
        return (above, "above") if above is not None else (below, "below")

    def since(self) -> str:
        n, lang, tz = self.n, self.lang, self.v.tz
        fired = moment(n.episode_at, lang, tz)
        if n.kind is Kind.RESOLVED:
            return self.v.tr(
                "since.resolved", fired=fired, resolved=moment(n.at, lang, tz),
                length=duration(n.at - n.episode_at, lang),
            )  # fmt: skip
        if n.at - n.episode_at >= timedelta(minutes=1):
            return self.v.tr(
                "since.firing_for", at=fired, length=duration(n.at - n.episode_at, lang)
            )
        return self.v.tr("since.firing", at=fired)

    def recover(self) -> str:
        pace = as_map(self.n.explanation.get("pace"))
        if not self.target:
            return ""
        return pace_sentence(
            self.lang,
            kind=str(self.target.get("kind") or ""),
            comparator=str(self.target.get("comparator") or ""),
            unit=self.unit,
            deadline=as_date(self.target.get("deadline")),
            needed=as_number(pace.get("needed")),
            recent=as_number(pace.get("recent")),
        )

    def outlook(self) -> str:
        p = as_map(self.n.explanation.get("projection"))
        if not p or p.get("method") == "final":
            return ""
        value, low, high = (as_number(p.get(k)) for k in ("value", "low", "high"))
        chance = as_number(p.get("probability_met"))
        at = as_time(p.get("at"))
        if value is None or low is None or high is None or chance is None:
            return ""
        deadline = as_date(self.target.get("deadline")) or (at.date() if at else None)
        return self.v.tr(
            "outlook", value=self.q(value), low=self.q(low), high=self.q(high),
            deadline=day(deadline, self.lang) if deadline else "",
            probability=probability(chance),
        )  # fmt: skip

    def contributors(self) -> tuple[str, ...]:
        found = self.n.explanation.get("contributors")
        if not isinstance(found, list | tuple):
            return ()
        pulling = [
            c for c in found
            if isinstance(c, Mapping) and c.get("source") and _pulls_off(c)
        ]  # fmt: skip
        return tuple(self.contributor(c) for c in pulling[:TOP_CONTRIBUTORS])

    def contributor(self, c: Mapping[str, Any]) -> str:
        v, lang, unit = self.v, self.lang, self.unit
        source = str(c["source"])
        value, share = as_number(c.get("value")), as_number(c.get("share"))
        change, effect = as_number(c.get("change")), as_number(c.get("effect"))
        kind = self.target.get("kind")
        if share is not None and change is not None:
            key = "contributor.flow" if kind == "flow" else "contributor.stock"
            return v.tr(
                key,
                source=source,
                share=percent(share * 100, places=0),
                change=signed(change, unit, lang),
            )
        if share is not None and value is not None:
            return v.tr(
                "contributor.share",
                source=source,
                share=percent(share * 100, places=0),
                value=self.q(value),
            )
        if value is not None and effect is not None:
            moves = effect if self.target.get("comparator") != "<=" else -effect
            return v.tr(
                "contributor.level",
                source=source,
                value=self.q(value),
                moves=signed(moves, unit, lang),
            )
        return v.tr(
            "contributor.plain", source=source, value=self.q(value) if value is not None else "—"
        )

    def plan(self) -> str:
        target = self.n.labels.get("target") or self.target.get("id")
        if not target:
            return ""
        names = self.v.names
        citation = names.citation(str(target), self.lang, **self.target)
        quote = names.quote(str(target), **self.target)
        if citation and quote:
            return self.v.tr("plan.cited", citation=citation, quote=quote)
        return citation or quote

    def runbook(self) -> str:
        a = self.n.annotations
        own = a.get("runbook_zh") if self.lang is Language.ZH else a.get("runbook")
        if own:
            return own
        return (
            self.v.tr(f"runbook.{self.kind}") if self.kind in _KINDS else self.v.tr("runbook.other")
        )


_KINDS = frozenset({"off_trajectory", "projected_miss", "burn_rate", "stale_feed", "threshold"})
_LABELS = ("contributors", "ack", "details", "runbook", "sep")
_AGGREGATES = frozenset({"aggregate.mean", "aggregate.max", "aggregate.last", "aggregate.sum"})


def _pulls_off(contributor: Mapping[str, Any]) -> bool:
    """A source pulls the target off when its effect is negative (or not known)."""
    effect = as_number(contributor.get("effect"))
    return effect is None or effect < 0


def _word(lang: Language, group: str, value: str) -> str:
    try:
        return tr(lang, f"{group}.{value}")
    except KeyError:
        return value.replace("_", " ")


def headline_of(alert: Mapping[str, Any], voice: Voice, now: datetime) -> str:
    """The headline of an alert as stored (a row of ``v_alerts``): what it is firing for,
    or — once resolved — what it was about."""
    resolved = alert.get("state") in ("resolved", "inactive")
    since = alert.get("fired_at") or alert.get("since") or now
    n = Notification(
        dedup_key="",
        kind=Kind.RESOLVED if resolved else Kind.FIRING,
        fingerprint=str(alert.get("fingerprint") or ""),
        rule_id=str(alert.get("rule_id") or ""),
        severity=str(alert.get("severity") or ""),
        labels=dict(as_map(alert.get("labels"))),
        annotations=dict(as_map(alert.get("annotations"))),
        explanation=dict(as_map(alert.get("explanation"))),
        episode_at=since,
        at=alert.get("resolved_at") or now,
        value=as_number(alert.get("last_value")),
    )
    return story_of(n, voice).headline
