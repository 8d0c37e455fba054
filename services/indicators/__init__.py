"""The pure domain: indicators, readings, plans and their targets, and how a target is judged."""
