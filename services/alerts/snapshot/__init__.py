"""What the engine reads from TimescaleDB: the rollups of every target and the freshness of
every series, read in a few set-based queries and held as columns (``load``)."""
