"""ontrack: whether a city's monitored indicators are on track toward its plans' targets."""
