"""Reading the project's configuration files (catalogue, plans, rules, routes)."""
