"""The MQTT bridge (``ontrack ingest mqtt``): payloads decoded, forwarded to the HTTP API,
errors reported back on MQTT."""
