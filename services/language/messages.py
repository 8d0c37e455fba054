"""The message catalogue: every sentence ontrack writes for people, in English and Chinese.

One entry per key, ``(English, Chinese)``, with ``str.format`` placeholders that both
languages share (a test holds them to it). Numbers, quantities, dates and durations are
formatted before they go in (:mod:`services.language.numbers`, :mod:`~.dates`), so a
sentence never shows a raw float. :func:`tr` picks the language; a key missing here is a
bug, so it raises.
"""

from __future__ import annotations

from services.language.model import Language

__all__ = ["MESSAGES", "tr"]

MESSAGES: dict[str, tuple[str, str]] = {
    # --- what a target's status is called -----------------------------------------------
    "status.on_track": ("on track", "进度正常"),
    "status.at_risk": ("at risk", "存在风险"),
    "status.off_track": ("off track", "落后进度"),
    "status.met": ("met", "已达标"),
    "status.missed": ("missed", "未达标"),
    "status.no_data": ("no data", "暂无数据"),
    "status.insufficient_data": ("insufficient data", "数据不足"),
    "severity.page": ("page", "紧急"),
    "severity.ticket": ("ticket", "工单"),
    "severity.info": ("info", "提示"),
    "state.pending": ("pending", "待确认"),
    "state.firing": ("firing", "告警中"),
    "state.resolved": ("resolved", "已解除"),
    "state.inactive": ("inactive", "未触发"),
    "comparator.>=": ("at least {value}", "达到{value}"),
    "comparator.<=": ("at most {value}", "不高于{value}"),
    "target.by": ("{what} by {deadline}", "{deadline}前{what}"),
    # --- notifications: subject -------------------------------------------------------
    "kind.firing": ("FIRING", "告警"),
    "kind.resolved": ("RESOLVED", "已解除"),
    "kind.repeat": ("STILL FIRING", "仍在告警"),
    "kind.digest": ("DIGEST", "汇总"),
    "subject.one": ("[{word} {severity}] {headline}", "【{word}·{severity}】{headline}"),
    "subject.many": (
        "[{word} {severity}] {count} alerts: {names}{more}",
        "【{word}·{severity}】{count}条告警：{names}{more}",
    ),
    "subject.more": (" (+{count})", "等（另{count}条）"),
    "subject.digest": (
        "[DIGEST] {count} notifications held by the rate limit ({counted})",
        "【汇总】限流期间暂存的{count}条通知（{counted}）",
    ),
    "subject.counted": ("{count} {kind}", "{kind}{count}条"),
    "list.sep": (", ", "、"),
    "label.sep": (": ", "："),
    "sentence.sep": (" ", ""),
    # --- notifications: headlines, by rule kind ---------------------------------------
    "headline.off_trajectory": (
        "{name} is {pct} behind its trajectory",
        "{name}落后进度轨迹{pct}",
    ),
    "headline.projected_miss": (
        "{name} will probably miss its target ({target}): {probability} likely to meet it",
        "{name}预计难以实现目标（{target}），达标概率{probability}",
    ),
    "headline.burn_rate": (
        "{name} needs {factor}× its recent pace to reach its target",
        "{name}推进偏慢：所需进度为近期进度的{factor}倍",
    ),
    "headline.burn_rate_level": (
        "{name}: the year's margin is being used {factor}× faster than it can last",
        "{name}：全年余量的消耗速度为可持续水平的{factor}倍",
    ),
    "headline.stale_feed": (
        "No data from {source} ({indicator}) for {silence}",
        "{indicator}数据源{source}已{silence}无数据",
    ),
    "headline.threshold_above": (
        "{indicator} at {source}: {value}, above {limit}",
        "{source}{indicator}为{value}，超过{limit}",
    ),
    "headline.threshold_below": (
        "{indicator} at {source}: {value}, below {limit}",
        "{source}{indicator}为{value}，低于{limit}",
    ),
    "headline.other": ("{rule}: {name}", "{rule}：{name}"),
    "headline.kind": ("{name}: {problem}", "{name}：{problem}"),
    "headline.resolved": ("Resolved: {name} ({problem})", "已解除：{name}（{problem}）"),
    "problem.off_trajectory": ("behind its trajectory", "落后进度轨迹"),
    "problem.projected_miss": ("projected to miss", "预计难以达标"),
    "problem.burn_rate": ("progressing too slowly", "推进偏慢"),
    "problem.stale_feed": ("no data", "数据中断"),
    "problem.threshold": ("past its threshold", "超过阈值"),
    "problem.no_data": ("never reported", "从未报送数据"),
    "problem.other": ("{rule}", "{rule}"),
    # --- notifications: the facts, each under its label --------------------------------
    "label.now": ("Now", "现状"),
    "label.since": ("Since", "时间"),
    "label.recover": ("To recover", "恢复所需"),
    "label.outlook": ("Outlook", "预测"),
    "label.contributors": ("Pulling it off", "主要拖累来源"),
    "label.plan": ("Plan", "规划依据"),
    "label.runbook": ("What to do", "处置建议"),
    "label.ack": ("Acknowledge", "确认处理"),
    "label.details": ("Full explanation", "完整说明"),
    "label.by": ("By", "操作人"),
    "now.target": (
        "{actual} where the trajectory expects {expected} ({gap}); target: {target}.",
        "{actual}，按进度轨迹应为{expected}（{gap}）；目标：{target}。",
    ),
    "now.target_no_expected": ("{actual}; target: {target}.", "{actual}；目标：{target}。"),
    "now.no_data": ("no data yet; target: {target}.", "尚无数据；目标：{target}。"),
    "now.status": ("Status: {status}.", "状态：{status}。"),
    "now.days_left": ("{days} days left.", "剩余{days}天。"),
    "now.deadline_passed": ("The deadline has passed.", "已过目标期限。"),
    "gap.behind": ("behind by {pct}", "落后{pct}"),
    "gap.ahead": ("ahead by {pct}", "领先{pct}"),
    "gap.level": ("on the trajectory", "与轨迹持平"),
    "now.stale": (
        "last reading {last_seen}; the source reports every {cadence}.",
        "最后一条数据于{last_seen}，该数据源应每{cadence}报送一次。",
    ),
    "now.stale_never": (
        "no reading has ever arrived; the source should report every {cadence}.",
        "从未收到数据，该数据源应每{cadence}报送一次。",
    ),
    "now.threshold": (
        "the {aggregate} over {bucket} is {value} (limit {limit}; clears past {recover}).",
        "{bucket}{aggregate}为{value}（阈值{limit}，回到{recover}以内后解除）。",
    ),
    "aggregate.mean": ("mean", "均值"),
    "aggregate.max": ("maximum", "最大值"),
    "aggregate.last": ("latest value", "最新值"),
    "aggregate.sum": ("total", "累计值"),
    "since.firing": ("firing since {at}", "自{at}起告警"),
    "since.firing_for": ("firing since {at}, for {length}", "自{at}起告警，已持续{length}"),
    "since.resolved": (
        "fired {fired}, resolved {resolved} after {length}",
        "{fired}告警，{resolved}解除，持续{length}",
    ),
    "recover.flow": (
        "{needed} a month for the rest of {year}",
        "{year}年余下时间每月需{needed}",
    ),
    "recover.flow_limit": (
        "at most {needed} a month for the rest of {year}",
        "{year}年余下时间每月不超过{needed}",
    ),
    "recover.change": ("{needed} more a month until {deadline}", "至{deadline}每月需净增{needed}"),
    "recover.change_down": (
        "{needed} fewer a month until {deadline}",
        "至{deadline}每月需净减{needed}",
    ),
    "recover.level_at_least": (
        "an average of at least {needed} for the rest of {year}",
        "{year}年余下时间平均需不低于{needed}",
    ),
    "recover.level_at_most": (
        "an average of at most {needed} for the rest of {year}",
        "{year}年余下时间平均需不高于{needed}",
    ),
    "recover.growth": ("growth of {needed}", "增速达到{needed}"),
    "recover.reached": ("target reached", "已达到目标值"),
    "recent.flow": (
        "; the last three months averaged {recent} a month",
        "；近三个月平均每月{recent}",
    ),
    "recent.change": ("; recently {recent} a month", "；近期每月变动{recent}"),
    "recent.level": ("; the last 30 days averaged {recent}", "；近30天平均{recent}"),
    "recent.growth": ("; latest {recent}", "；最近为{recent}"),
    "recent.none": ("; no recent data", "；近期无数据"),
    "outlook": (
        "on the recent trend, {value} by {deadline} (between {low} and {high}); "
        "{probability} likely to meet the target.",
        "按近期趋势，{deadline}预计为{value}（区间{low}至{high}），达标概率{probability}。",
    ),
    "contributor.flow": (
        "{source}: {share} of the total, {change} against the same days last year",
        "{source}：占{share}，较去年同期{change}",
    ),
    "contributor.stock": (
        "{source}: {share} of the total, {change} in 90 days",
        "{source}：占{share}，近90天{change}",
    ),
    "contributor.share": (
        "{source}: {share} of the total ({value})",
        "{source}：占{share}（{value}）",
    ),
    "contributor.level": (
        "{source}: {value} on average, moves the city mean by {moves}",
        "{source}：平均{value}，使全市均值变动{moves}",
    ),
    "contributor.plain": ("{source}: {value}", "{source}：{value}"),
    "plan.cited": ("{citation}: {quote}", "{citation}：{quote}"),
    "ack.how": (
        'ontrack alert ack {fingerprint} --note "…"',
        'ontrack alert ack {fingerprint} --note "……"',
    ),
    "ack.api": (
        'or POST {url}/ack with {{"note": "…"}}',
        '或 POST {url}/ack，正文 {{"note": "……"}}',
    ),
    "by.actor": ("{actor}", "{actor}"),
    "message.head": (
        "{count} notification(s) for {receiver}.",
        "发给{receiver}的通知共{count}条。",
    ),
    "message.foot": ("ontrack · message {id}", "ontrack · 消息 {id}"),
    "chart.alt": ("chart of {name}", "{name}趋势图"),
    # --- what to do, by rule kind (a rule's runbook annotations say more) ----------------
    "runbook.off_trajectory": (
        "Check with the responsible department whether the latest figures are complete; if "
        "they are, agree on catching-up measures and a date, and acknowledge with a note.",
        "请与责任部门核实最新数据是否完整；如数据无误，商定追赶措施和完成时间，并在确认时写明。",
    ),
    "runbook.projected_miss": (
        "The trend will not reach the target in time: raise it with the plan office, decide "
        "what can still change before the deadline, and acknowledge with the decision.",
        "按目前趋势难以按期达标：请报规划办研究，明确期限前仍可采取的措施，并在确认时写明决定。",
    ),
    "runbook.burn_rate": (
        "Progress is slower than the target needs: ask the sources that lag most (listed "
        "above) for their schedule, and acknowledge with what they said.",
        "推进速度低于目标所需：请向上列拖累最大的来源了解进度安排，并在确认时写明答复。",
    ),
    "runbook.stale_feed": (
        "Ask the provider whether the source is down or its upload failed; its readings are "
        "accepted late and the judgement catches up by itself.",
        "请联系数据提供方，确认设备是否停运或上传是否失败；补报的数据仍会被接收，研判会自动更新。",
    ),
    "runbook.threshold": (
        "Confirm the reading with the provider and follow the emergency plan for this "
        "indicator if it holds.",
        "请与数据提供方核实该读数；如属实，按该指标的应急预案处置。",
    ),
    "runbook.other": (
        "Look at the full explanation and acknowledge with what you found.",
        "请查看完整说明，并在确认时写明核查情况。",
    ),
    # --- the demo report --------------------------------------------------------------
    "report.title": ("ontrack demo report", "ontrack 演示报告"),
    "report.heading": ("ontrack — Qingdao plan targets", "ontrack — 青岛市规划目标"),
    "report.note": (
        "<b>Simulated data.</b> Every reading in this report was generated by the demo's feed "
        "simulator and replayed through the real pipeline (HTTP → Kafka → stream → "
        "TimescaleDB → alert engine), from January 2023 to {until}.",
        "<b>模拟数据。</b>本报告中的每一条读数均由演示程序的数据模拟器生成，并经真实的处理链路"
        "（HTTP → Kafka → 流处理 → TimescaleDB → 告警引擎）回放，时间从2023年1月至{until}。",
    ),
    "report.generated": ("Generated {at} UTC · {counts}", "生成于 {at}（UTC）· {counts}"),
    "report.count": ("{count} {status}", "{status}{count}项"),
    "report.language": ("English", "中文"),
    "report.legend.actual": ("━ actual", "━ 实际值"),
    "report.legend.trajectory": ("╍ trajectory", "╍ 进度轨迹"),
    "report.legend.target": ("━ target", "━ 目标值"),
    "report.legend.projection": ("▲ projection interval", "▲ 预测区间"),
    "report.legend.fired": ("│ alert fired", "│ 告警触发"),
    "report.legend.resolved": ("│ resolved", "│ 告警解除"),
    "report.targets": ("Every target", "全部目标"),
    "report.alerts": ("Alerts", "告警记录"),
    "report.charts": ("Charts", "趋势图"),
    "report.none": ("none", "无"),
    "report.no_data": (
        "No data: {count} target(s), each with why",
        "无数据：{count}项目标，原因如下",
    ),
    "report.no_data.why": ("nothing has arrived for it", "尚未收到任何数据"),
    "col.target": ("target", "目标"),
    "col.name": ("name", "名称"),
    "col.status": ("status", "状态"),
    "col.actual": ("actual", "实际"),
    "col.expected": ("expected now", "当前应达"),
    "col.gap": ("gap", "差距"),
    "col.days_left": ("days left", "剩余天数"),
    "col.pace": ("pace", "进度"),
    "col.projection": ("projection", "预测"),
    "col.fired": ("fired", "触发"),
    "col.resolved": ("resolved", "解除"),
    "col.severity": ("severity", "级别"),
    "col.rule": ("rule", "规则"),
    "col.region": ("region", "区域"),
    "col.subject": ("subject", "对象"),
    "col.why": ("why it fired", "触发原因"),
    "col.state": ("state", "状态"),
    "col.since": ("since", "起始"),
    "col.fingerprint": ("fingerprint", "指纹"),
    "col.time": ("time", "时间"),
    "col.value": ("value", "数值"),
    "col.sent_as": ("sent as", "原始值"),
    "chart.target": ("target {value}", "目标 {value}"),
    "chart.no_data": ("no data yet", "暂无数据"),
    "chart.fired": ("{rule} fired", "{rule} 告警触发"),
    "chart.resolved": ("{rule} resolved", "{rule} 告警解除"),
    "chart.projection": ("projection {low}–{high}", "预测 {low}–{high}"),
    "chart.legend.actual": ("actual", "实际值"),
    "chart.legend.trajectory": ("trajectory", "进度轨迹"),
    "chart.legend.projection": ("projection", "预测"),
    "chart.legend.interval": ("projection 10–90 %", "预测区间（10%–90%）"),
    # --- the command line ---------------------------------------------------------------
    "cli.no_targets": (
        "no target judged yet: is `ontrack alerts` running?",
        "尚无研判结果：`ontrack alerts` 是否在运行？",
    ),
    "cli.no_observations": ("no observations for {series}", "{series} 没有观测数据"),
    "cli.sent_as": ("(sent as {value} {unit})", "（原始值 {value} {unit}）"),
    "cli.no_alerts": ("no alerts", "没有告警"),
    "cli.acked": (
        "alert {fingerprint} ({state}) acknowledged by {actor}",
        "告警 {fingerprint}（{state}）已由 {actor} 确认",
    ),
    "cli.resolved": (
        "alert {fingerprint} is {state} (by {actor})",
        "告警 {fingerprint} 已{state}（{actor}）",
    ),
    "cli.resolved_told": (
        "resolved notification queued for: {receivers}",
        "解除通知已排队发送给：{receivers}",
    ),
    "cli.nobody": ("nobody", "无"),
    "cli.no_silences": ("no silences", "没有静默规则"),
}


def tr(lang: Language, key: str, **values: object) -> str:
    """The sentence ``key`` in ``lang``, its placeholders filled with ``values``."""
    english, chinese = MESSAGES[key]
    template = chinese if lang is Language.ZH else english
    return template.format(**values) if values else template.replace("{{", "{").replace("}}", "}")
