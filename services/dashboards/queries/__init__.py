"""The dashboards' SQL: how a panel's query is written, expanded and run against TimescaleDB."""
