"""The demo: simulated Qingdao feeds replayed through the real pipeline, and a report."""
