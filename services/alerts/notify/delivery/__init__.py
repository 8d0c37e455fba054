"""Delivery of notifications: the outbox (what is due, its SQL), putting into it, repeats,
rate limits, and the loop that hands them to receivers."""
