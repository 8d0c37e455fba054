"""Readings in: body decoding and checks, signed batches, the producer, MQTT and the stream."""
