"""Forecasts of a target: where its data carries it by the deadline (projection, seasons,
trend) and what it takes from now on (pace)."""
