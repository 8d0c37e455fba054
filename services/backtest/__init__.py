"""``ontrack backtest``: rules and plans tried on history before they page anyone.

History (provider-format CSV or NDJSON, with when each reading arrived) is stored in a
scratch database of the backtest's own through the stream's storage code, and the alert
engine judges every target at each step of a simulated clock with only what had arrived
by then. The result: every alert with what it said when it fired, and final statuses.
"""

from services.backtest.history import Arrival, History, HistoryError, read_history
from services.backtest.outcome import KIND_OF_RULE, AlertEpisode, BacktestResult, Final
from services.backtest.run import BacktestOptions, run_backtest

__all__ = [
    "KIND_OF_RULE",
    "AlertEpisode",
    "Arrival",
    "BacktestOptions",
    "BacktestResult",
    "Final",
    "History",
    "HistoryError",
    "read_history",
    "run_backtest",
]
