"""``ontrack bench``: the pipeline's throughput and latency as ratios to this machine's limits."""
