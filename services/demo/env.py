"""The demo's own corner of the stack: a database and topics of its own, reset at each run."""

from __future__ import annotations

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from pydantic import SecretStr

from services.ingest.topics import delete_topics, ensure_topics, topic_names
from services.settings import Settings

__all__ = ["demo_settings", "reset"]


def demo_settings(base: Settings, database: str = "ontrack_demo") -> Settings:
    params = conninfo_to_dict(base.dsn)
    return base.model_copy(
        update={
            "database_url": SecretStr(make_conninfo("", **{**params, "dbname": database})),
            "topic_readings": "demo.readings",
            "topic_dlq": "demo.readings.dlq",
            "topic_aggregates": "demo.aggregates",
            "consumer_group": "ontrack-demo-stream",
        }
    )


def reset(base: Settings, demo: Settings) -> None:
    """Recreate the demo database and topics, so every run starts from nothing."""
    name = str(conninfo_to_dict(demo.dsn)["dbname"])
    admin = make_conninfo("", **{**conninfo_to_dict(base.dsn), "dbname": "postgres"})
    with psycopg.connect(admin, autocommit=True) as conn:
        ident = sql.Identifier(name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(ident))
    delete_topics(demo.kafka_bootstrap, list(topic_names(demo)))
    ensure_topics(demo)
