"""Alerts, in layers: rules/, the pure engine/, the snapshot/ it reads, notify/ and the runtime/."""
