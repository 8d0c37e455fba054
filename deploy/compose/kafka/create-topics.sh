#!/usr/bin/env bash
# ontrack's topics, run by the kafka-init service before any ontrack service starts.
# Idempotent: an existing topic is left alone, except that `readings` grows to
# READINGS_PARTITIONS partitions when that was raised (partitions never shrink).
# The names are ontrack's defaults (ONTRACK_TOPIC_READINGS, _DLQ, _AGGREGATES and the
# stream's consumer group ONTRACK_CONSUMER_GROUP): change them here and in ontrack.env.
# It logs in to the brokers' admin listener as kafka-admin (passwords.sh).
set -euo pipefail
. "$(dirname "$0")/passwords.sh"

: "${BOOTSTRAP:?set BOOTSTRAP to the admin listener of the brokers, host:port,...}"
: "${READINGS_PARTITIONS:=12}"
config=$(admin_config)

topics() {
    "${KAFKA_BIN:-/opt/kafka/bin}/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$config" "$@"
}

partitions_of() {
    topics --describe --topic "$1" 2>/dev/null |
        sed -n 's/.*PartitionCount: *\([0-9]*\).*/\1/p' | head -n 1
}

ensure() {
    local name=$1 partitions=$2
    shift 2
    local have
    have=$(partitions_of "$name")
    if [ -z "$have" ]; then
        echo "creating $name: $partitions partitions, 3 replicas, min.insync.replicas 2"
        topics --create --if-not-exists --topic "$name" \
            --partitions "$partitions" --replication-factor 3 \
            --config min.insync.replicas=2 "$@"
    elif [ "$have" -lt "$partitions" ]; then
        echo "growing $name from $have to $partitions partitions"
        topics --alter --topic "$name" --partitions "$partitions"
    else
        echo "$name: $have partitions, as wanted"
    fi
}

# readings: one partition per worker at most (12: docs/operations.md, "Sizing"); a week
# kept, so a stopped pipeline can catch up or be replayed
ensure readings "$READINGS_PARTITIONS" --config retention.ms=604800000
# what the stream refused, a month for the providers to fix and resend
ensure readings.dlq 1 --config retention.ms=2592000000
# "these indicators changed": only the alert engine's leader reads it, right away
ensure aggregates 4 --config retention.ms=86400000
# the stream workers' partition assignor (Faust)
ensure ontrack-stream-__assignor-__leader 1
