"""The dashboards' text in Chinese: the English the code writes → what a Chinese reader sees.

Worded as a municipal plan office writes (序时进度, 实际值, 达成可能性); terms of the trade
(Kafka, API, p95, AQI) stay as the trade writes them. Names of things (statuses, families,
units, alert kinds) are in services/dashboards/language/words.py, not here.
"""

from __future__ import annotations

__all__ = ["TEXTS"]

TEXTS: dict[str, str] = {
    # ── shared: dashboards, headers ────────────────────────────────────────────────────
    "ontrack · {family}": "ontrack · {family}",
    "ontrack · city overview": "ontrack · 全市目标总览",
    "ontrack · alert history": "ontrack · 告警记录",
    "ontrack · feed health": "ontrack · 数据报送情况",
    "ontrack · pipeline": "ontrack · 系统运行",
    "target": "目标",
    "Target": "目标",
    "family": "领域",
    "status": "状态",
    "actual": "实际值",
    "expected": "序时应达值",
    "gap %": "差距（%）",
    "projected at the deadline": "预计到期值",
    "projection interval": "预测区间",
    "chance of meeting it %": "达成可能性（%）",
    "goal": "目标值",
    "unit": "单位",
    "deadline": "完成期限",
    "days left": "剩余天数",
    "based on": "判断依据",
    "validity": "数据有效性",
    "values": "数据个数",
    "data as of": "数据截至",
    "what it takes": "完成目标需要",
    "open alerts": "未解除告警",
    "no valid data": "无有效数据",
    "plan": "规划文件",
    "clause": "条款",
    "the plan's words": "规划原文",
    "rank": "排序",
    "source": "来源",
    "its value": "来源数值",
    "share %": "占比（%）",
    "change": "变化",
    "effect on the target": "对目标的影响",
    "city": "全市",
    "AQI": "AQI",
    "indicator": "指标代码",
    "name": "指标",
    "since": "开始时间",
    "time": "时间",
    "severity": "级别",
    "state": "状态",
    "on": "对象",
    "alert": "告警类型",
    "rule": "规则",
    "value": "数值",
    "acknowledged by": "确认人",
    "acknowledged at": "确认时间",
    "transition": "状态变化",
    "reason (as the engine wrote it)": "原因（引擎原文）",
    "by": "操作人",
    "note": "备注",
    # ── targets: overview and families ─────────────────────────────────────────────────
    "Every plan target: where it stands (status) and on what data, actual against what its "
    "trajectory expects today, the days left to its deadline, and the sources pulling "
    "targets off.": (
        "全部规划目标：当前状态及其所依据的数据，实际值与序时进度应达值的对比，距完成期限的"
        "剩余天数，以及拖累目标进度的来源。"
    ),
    "Targets whose status is “{status}” at the alert engine's last evaluation.": (
        "告警引擎最近一次评估中状态为“{status}”的目标个数。"
    ),
    "Where each target stands": "各目标进展",
    "The alert engine's judgement of each target at its last evaluation: actual against "
    "what the trajectory expects today (year-to-date for yearly flows, the annual mean so far "
    "for levels, the latest value for stocks), the projection to the deadline with its "
    "interval, and the data the judgement rests on — how the actual was taken, from how many "
    "values, as of when, and whether that is enough to judge (for air, days with 20 hourly "
    "values, GB 3095-2012; for yearly totals, every month) or why a year cannot be judged. "
    "Values are in the unit of the target's row.": (
        "告警引擎最近一次评估对各目标的判断：实际值与按序时进度今天应达到的值相比（年度总量"
        "指标为年初至今累计，浓度类指标为年内平均，存量指标为最新值），到期预测值及其区间，"
        "以及判断所依据的数据——实际值如何得出、依据几个数据、数据截至何时，数据是否足以判断"
        "（空气质量须为有20个小时值的有效日，GB 3095-2012；年度总量指标须每月有数据），或某年"
        "为何无法判断。数值单位见各行“单位”列。"
    ),
    "{family} targets against their trajectories. {what}": "{family}领域各目标与序时进度对比。{what}",
    "Each target against its path": "各目标与序时进度",
    "actual: the indicator in the target's sense (year-to-date for yearly flows, the annual "
    "mean so far for levels, the latest value for stocks); trajectory: where it should be on "
    "the way from the baseline; target: the plan's value until the deadline; projection: "
    "recent data carried to the deadline, with its 10–90 % interval shaded. Alerts that fired "
    "and resolved are marked.": (
        "实际值：按目标口径计算的指标值（年度总量指标为年初至今累计，浓度类指标为年内平均，"
        "存量指标为最新值）；序时进度：从基期到目标按时间进度应达到的值；目标值：规划确定的"
        "目标，标至完成期限；预测：按近期数据推算至完成期限的值，阴影为10%—90%区间。图中"
        "标出告警触发和解除的时间。"
    ),
    "Which sources pull each target off": "拖累目标进度的来源",
    "Contributors": "各来源对目标的影响",
    "Sources pulling the targets off": "拖累目标进度的来源",
    "From the alert engine's last evaluation, the stations, terminals, companies, operators "
    "or districts that pull each target hardest, worst first. Effect is in the target's unit, "
    "negative when it pulls the target off: for levels, how much the source moves the city "
    "mean; for yearly totals, its change against the same days of last year (for a ceiling, "
    "all it added); for stocks and capacities, its change over 90 days less its share of the "
    "change the trajectory expects.": (
        "据告警引擎最近一次评估，对各目标影响最大的监测站点、码头、企业、运营商或区（市），"
        "影响最大的排在前面。“对目标的影响”以目标单位计，负值表示拖累目标进度：浓度类指标"
        "为该来源使全市均值变动的幅度；年度总量指标为与上年同期相比的增减（上限类目标为其"
        "全部增量）；存量和能力类指标为近90天的变化减去按其份额应承担的序时增量。"
    ),
    "What the plans say": "规划原文",
    "The clause each target encodes": "各目标对应的规划条款",
    "The plan's title and clause, and the plan's own sentence.": "规划文件名称、条款及规划原文。",
    "{family} data": "{family}数据",
    "{family} data: {group} ({count} indicators)": "{family}数据：{group}（{count}项）",
    "totals": "总量指标",
    "counts and capacities": "规模与能力指标",
    "shares and rates": "比率指标",
    "growth rates": "增速指标",
    "Open alerts over time": "告警数量变化",
    "Alerts pending or firing at each moment, by severity; alerts on targets that fired and "
    "resolved are marked.": "各时点待确认和告警中的告警数量（按级别）；图中标出目标告警触发和解除的时间。",
    "Open alerts": "未解除告警",
    "Alerts pending or firing now (details in the alert history dashboard).": (
        "当前待确认和告警中的告警（详见“告警记录”看板）。"
    ),
    "Alerts fired": "告警触发",
    "Alerts resolved": "告警解除",
    "{severity} alert fired: {name} ({kind})": "{severity}告警触发：{name}（{kind}）",
    "Alert resolved: {name} ({kind})": "告警解除：{name}（{kind}）",
    # ── the families' descriptions and data ────────────────────────────────────────────
    "PM2.5, good-air days and heavily polluted days.": "细颗粒物（PM2.5）浓度、空气质量优良天数和重污染天数。",
    "Near-shore sea area with good water quality.": "近岸海域水质优良面积比例。",
    "Cargo, containers, sea-rail, transshipment, routes and trains.": (
        "货物吞吐量、集装箱吞吐量、海铁联运、中转、航线和中欧班列。"
    ),
    "Passengers and cargo and mail.": "旅客吞吐量和货邮吞吐量。",
    "Installed and renewable capacity, grid supply and charging piles.": (
        "装机容量、可再生能源装机、电网保障能力和充电桩。"
    ),
    "LNG receiving capacity.": "LNG接卸能力。",
    "5G base stations and village coverage.": "5G基站数量和行政村5G网络通达率。",
    "R&D intensity, foreign trade, high-tech enterprises and GDP growth.": (
        "研发经费投入强度、货物贸易进出口额、高新技术企业数量和地区生产总值增速。"
    ),
    "The talent pool.": "人才总量。",
    "The AI industry.": "人工智能产业规模。",
    "Green factories and green supply-chain firms.": "绿色工厂及绿色供应链管理企业。",
    "Education, culture, health care, sport, childcare, elderly care and legal services.": (
        "教育、文化、医疗、体育、托育、养老和法律服务。"
    ),
    "Expressways and urban rail transit.": "高速公路和城市轨道交通。",
    "Farmland, farm output, food processing, farm machinery and rural living.": (
        "高标准农田、农产品产量、农产品加工、农业机械化和农村人居环境。"
    ),
    "{name} by source": "{name}（分来源）",
    "{name} for the city, in {unit} (indicator {id}).": "全市{name}，单位：{unit}（指标代码：{id}）。",
    "PM2.5, city mean": "PM2.5浓度（全市平均）",
    "Mean of the stations' concentrations, per hour, day or month.": "各监测站点浓度的平均值，按小时、日或月。",
    "PM2.5 by station": "PM2.5浓度（分站点）",
    "Daily AQI, city": "全市日空气质量指数（AQI）",
    "HJ 633-2012 daily AQI from the city's mean concentrations.": (
        "按HJ 633-2012由全市平均浓度计算的日AQI。"
    ),
    "Good-air days": "优良天数比率",
    "Share of days in the time range with an AQI of 100 or less.": "所选时段内AQI不超过100的天数占比。",
    "Heavily polluted days": "重污染天数",
    "Days in the time range with an AQI above 200.": "所选时段内AQI超过200的天数。",
    "Days measured": "有效监测天数",
    "Container throughput per month": "集装箱吞吐量（月度）",
    "Cargo throughput per month": "货物吞吐量（月度）",
    "Containers by terminal": "集装箱吞吐量（分码头）",
    "Container routes": "集装箱航线数",
    "Direct and international container routes in service.": "在运营的集装箱直达航线和国际航线。",
    "Installed capacity": "装机容量",
    "Month-end installed capacity, summed over the companies reporting it.": (
        "月末装机容量，为各报送企业之和。"
    ),
    "Renewable capacity by source": "可再生能源装机容量（分报送单位）",
    "New-energy share of installed capacity": "新能源装机容量占比",
    "5G base stations, city": "全市5G基站数量",
    "Cumulative base stations built, summed over districts and operators.": (
        "累计建成基站数，为各区（市）、各运营商之和。"
    ),
    "5G base stations by reporting source": "5G基站数量（分报送单位）",
    "Administrative villages with 5G": "行政村5G网络通达率",
    # ── alert history ──────────────────────────────────────────────────────────────────
    "Alerts on plan targets and feeds: open now, open over time, and every lifecycle "
    "transition (pending, firing, resolved, acknowledged) with its reason.": (
        "规划目标和数据报送的告警：当前未解除的告警、告警数量变化，以及每一次状态变化（待确认、"
        "告警中、已解除、已确认）及其原因。"
    ),
    "Firing now": "当前告警中",
    "Pending now": "当前待确认",
    "Fired in range": "所选时段内触发",
    "Resolved in range": "所选时段内解除",
    "Open now": "当前未解除告警",
    "Every transition": "全部状态变化",
    "Newest first: what changed, the value that made it change, and why.": (
        "按时间倒序：发生了什么变化、引起变化的数值及原因。"
    ),
    # ── feed health ────────────────────────────────────────────────────────────────────
    "Is every provider still reporting, and is what they send accepted? Freshness comes from "
    "the stored data; accepted and refused readings from the services' metrics.": (
        "各报送单位是否仍在按时报送，报送的数据是否被接收？时效性来自已入库的数据；接收和拒收"
        "情况来自各服务的运行指标。"
    ),
    "Silent series": "中断的数据序列",
    "Series silent for more than three times their cadence.": "超过3个报送周期未报送的序列。",
    "Late series": "迟报的数据序列",
    "Series late by 1.5 to 3 times their cadence.": "迟于1.5至3个报送周期的序列。",
    "Fresh series": "按时报送的数据序列",
    "Series that reported within 1.5 times their cadence.": "在1.5个报送周期内报送的序列。",
    "Every series": "全部数据序列",
    "Newest reading of each (indicator, source) and its age against the indicator's cadence; "
    "the worst first.": "各（指标、来源）序列的最新数据及其距今时长（对照指标的报送周期），最滞后的排在前面。",
    "newest reading": "最新数据时间",
    "age": "距今",
    "cadence": "报送周期",
    "last stored": "最近入库时间",
    "Readings stored, by indicator": "入库数据量（分指标）",
    "Readings accepted by the API, by provider": "API接收的数据量（分报送单位）",
    "Readings refused, by provider and reason": "被拒收的数据量（分报送单位和原因）",
    "stream dead-letter: {{reason}}": "流处理转入死信队列：{{reason}}",
    "Refused by the API (per record), and records the stream sent to readings.dlq "
    "(Kafka-native producers, or refused by the database).": (
        "API逐条拒收的数据，以及流处理转入readings.dlq的数据（直接写入Kafka的报送方，或数据库"
        "拒绝写入的数据）。"
    ),
    "Late and silent series, by indicator": "迟报和中断的序列（分指标）",
    "As the alert engine sees them: late past 1.5 times the indicator's cadence, silent past "
    "three (OntrackFeedSilent fires). Which series: the table above.": (
        "按告警引擎的判断：超过1.5个报送周期为迟报，超过3个周期为中断（触发OntrackFeedSilent）。"
        "具体序列见上表。"
    ),
    "Longest silence, by indicator": "最长中断时长（分指标）",
    "Age of the newest reading of each indicator's longest-silent series, as the alert engine "
    "sees it.": "按告警引擎的判断，各指标中断最久的序列其最新数据距今的时长。",
    "Requests refused for their API key": "因API密钥被拒绝的请求",
    # ── pipeline ───────────────────────────────────────────────────────────────────────
    "Readings from the API through Kafka and the stream workers into TimescaleDB, and the "
    "alert engine after them: throughput, lag, latency and errors.": (
        "数据从API经Kafka和流处理进程写入TimescaleDB，再由告警引擎评估：吞吐量、积压、延迟和错误。"
    ),
    "Services up": "运行中的服务",
    "Instances of each ontrack service Prometheus can scrape.": "Prometheus能采集到的各ontrack服务实例数。",
    "Throughput and lag": "吞吐量与积压",
    "Readings per second": "每秒数据量",
    "accepted by the API": "API接收",
    "messages handled": "已处理消息",
    "rows stored": "已入库行数",
    "Consumer lag per partition": "各分区消费积压",
    "Messages after the last committed offset (committed only once stored). Growing for 15 "
    "minutes fires OntrackConsumerLagGrowing.": (
        "最近一次提交的偏移量之后的消息数（入库后才提交）。持续增长15分钟将触发"
        "OntrackConsumerLagGrowing。"
    ),
    "Rows stored per second, by indicator": "每秒入库行数（分指标）",
    "Rollup lag": "汇总延迟",
    "Seconds since each worker last refreshed rollups.": "各处理进程距上次刷新汇总数据的秒数。",
    "Latency": "延迟",
    "From Kafka to stored": "从Kafka到入库",
    "From a message's append to Kafka to its readings and rollups committed.": (
        "从消息写入Kafka到其数据和汇总提交入库的时间。"
    ),
    "Database write latency": "数据库写入延迟",
    "HTTP latency p95, by route": "HTTP延迟p95（分接口）",
    "Batch size": "批量大小",
    "Kafka messages per batch the stream stores in one transaction.": "流处理在一个事务中入库的每批Kafka消息数。",
    "Errors": "错误",
    "Database write errors": "数据库写入错误",
    "HTTP responses and Kafka produce errors": "HTTP响应和Kafka写入错误",
    "HTTP {{status}}": "HTTP {{status}}",
    "produce errors": "Kafka写入错误",
    "Alert engine and notifications": "告警引擎与通知",
    "Rule evaluation duration": "规则评估耗时",
    "Alerts by state": "各状态告警数",
    "Notifications": "通知",
    "outbox depth": "待发送通知数",
    "Sent and failed per receiver, and notifications waiting in the outbox.": (
        "各接收方发送成功和失败的通知数，以及待发送的通知数。"
    ),
}
