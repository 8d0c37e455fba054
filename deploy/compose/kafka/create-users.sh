#!/usr/bin/env bash
# Kafka's principals and what each may do, run by the kafka-init service after
# create-topics.sh. The brokers refuse whatever no ACL allows, so this is the whole list:
# the same principals and ACLs as deploy/k8s/kafka/users.yaml, and the tests check both
# against the topics and groups ontrack's code uses (docs/operations.md, "Kafka principals
# and ACLs").
#
# Idempotent: each principal's SCRAM-SHA-512 credential is set from its secret file
# (compose secrets, from secrets/kafka-<principal>.env), so running kafka-init again after
# changing a password rotates it; ACLs are added, never removed (remove one no longer
# listed with kafka-acls.sh --remove).
set -euo pipefail
. "$(dirname "$0")/passwords.sh"

: "${BOOTSTRAP:?set BOOTSTRAP to the admin listener of the brokers, host:port,...}"
config=$(admin_config)
bin=${KAFKA_BIN:-/opt/kafka/bin}
secrets=${SECRETS_DIR:-/run/secrets}  # compose secrets

# user PRINCIPAL: its credential, from the ONTRACK_KAFKA_SASL_* lines of its secret file
user() {
    local principal=$1 file=$secrets/kafka-$1 name password
    name=$(sed -n 's/^ONTRACK_KAFKA_SASL_USERNAME=//p' "$file")
    password=$(sed -n 's/^ONTRACK_KAFKA_SASL_PASSWORD=//p' "$file")
    if [ "$name" != "$principal" ]; then
        echo "secrets/kafka-$principal.env: ONTRACK_KAFKA_SASL_USERNAME must be $principal, not '$name'" >&2
        exit 1
    fi
    check_password ONTRACK_KAFKA_SASL_PASSWORD "$password" "secrets/kafka-$principal.env"
    echo "principal $principal: SCRAM-SHA-512 credential set"
    "$bin/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$config" \
        --alter --entity-type users --entity-name "$principal" \
        --add-config "SCRAM-SHA-512=[iterations=8192,password=$password]" >/dev/null
}

# allow PRINCIPAL RESOURCE-TYPE PATTERN NAME OPERATION...: an ACL allowing those operations
# on the topic, group or cluster NAME (literal) or on every NAME... (prefixed)
allow() {
    local principal=$1 type=$2 pattern=$3 name=$4 resource ops=()
    shift 4
    case $type in
        topic) resource=(--topic "$name") ;;
        group) resource=(--group "$name") ;;
        cluster) resource=(--cluster) ;;
        *) echo "allow: unknown resource type $type" >&2; exit 1 ;;
    esac
    for op in "$@"; do ops+=(--operation "$op"); done
    echo "principal $principal: $* on $type $name ($pattern)"
    "$bin/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$config" \
        --add --allow-principal "User:$principal" "${resource[@]}" \
        --resource-pattern-type "$pattern" "${ops[@]}" >/dev/null
}

# Every ontrack service checks at start that ontrack's three topics exist: Describe on all.

# the API produces accepted readings (idempotent producer, acks=all)
user ontrack-api
allow ontrack-api topic literal readings Write Describe
allow ontrack-api cluster literal kafka-cluster IdempotentWrite
allow ontrack-api topic literal readings.dlq Describe
allow ontrack-api topic literal aggregates Describe

# the stream consumes readings in its group, dead-letters to readings.dlq, publishes what
# changed to aggregates, and reads Faust's own topics, named after the group (its partition
# assignor's ontrack-stream-__assignor-__leader); it creates none
user ontrack-worker
allow ontrack-worker topic literal readings Read Describe
allow ontrack-worker group literal ontrack-stream Read
allow ontrack-worker topic literal readings.dlq Write Describe
allow ontrack-worker topic literal aggregates Write Describe
allow ontrack-worker topic prefixed ontrack-stream- Read Describe

# the alert engine reads aggregates in its group: ontrack-alerts, or one group per shard
# (ontrack-alerts-shard-<i>-of-<n>) when ONTRACK_ALERTS_SHARD splits the targets
user ontrack-alerts
allow ontrack-alerts topic literal aggregates Read Describe
allow ontrack-alerts group prefixed ontrack-alerts Read
allow ontrack-alerts topic literal readings Describe
allow ontrack-alerts topic literal readings.dlq Describe

# a provider producing readings itself (docs/providers.md, section 9): `readings` only;
# copy these lines (and the secret) for each provider, named after it
user provider-example
allow provider-example topic literal readings Write Describe
allow provider-example cluster literal kafka-cluster IdempotentWrite
