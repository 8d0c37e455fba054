"""The running alert engine: what it judges (``universe``), its loop on events and a clock
(``loop``), leadership and shards, the state it keeps in TimescaleDB, its metrics and port."""
