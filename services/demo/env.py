"""The demo's own corner of the stack: a database and topics of its own, reset at each run."""

from __future__ import annotations

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from pydantic import SecretStr

from services.ingest.topics import delete_topics, ensure_topics, topic_names
from services.settings import Settings

__all__ = ["demo_settings", "drop", "reset"]


def demo_settings(base: Settings, name: str = "demo") -> Settings:
    """Settings for a demo called ``name``: database ``ontrack_<name>``, topics ``<name>.*``."""
    params = conninfo_to_dict(base.dsn)
    return base.model_copy(
        update={
            "database_url": SecretStr(make_conninfo("", **{**params, "dbname": f"ontrack_{name}"})),
            "topic_readings": f"{name}.readings",
            "topic_dlq": f"{name}.readings.dlq",
            "topic_aggregates": f"{name}.aggregates",
            "consumer_group": f"ontrack-{name}-stream",
        }
    )


def drop(base: Settings, demo: Settings) -> None:
    """Remove the demo's database and topics."""
    name = str(conninfo_to_dict(demo.dsn)["dbname"])
    admin = make_conninfo("", **{**conninfo_to_dict(base.dsn), "dbname": "postgres"})
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
    delete_topics(demo.kafka_bootstrap, list(topic_names(demo)))


def reset(base: Settings, demo: Settings) -> None:
    """Recreate the demo database and topics, so every run starts from nothing."""
    drop(base, demo)
    name = str(conninfo_to_dict(demo.dsn)["dbname"])
    admin = make_conninfo("", **{**conninfo_to_dict(base.dsn), "dbname": "postgres"})
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    ensure_topics(demo)
