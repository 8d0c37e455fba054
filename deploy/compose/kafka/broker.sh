#!/usr/bin/env bash
# Starts a Kafka broker of the compose deployment (the command of kafka-1..3). The brokers
# talk to one another (listener BROKER) and to the KRaft quorum (CONTROLLER) as the super
# user kafka-broker, and the admin tools (kafka-init, the health check) as the super user
# kafka-admin, both with SASL/PLAIN; their login configs are made here from the passwords
# of secrets/kafka.env, so no password is written in docker-compose.yml. Clients (ontrack's
# services, providers) use the listener CLIENT with SASL/SCRAM-SHA-512 and the principals
# and ACLs kafka-init makes (create-users.sh).
set -euo pipefail
. "$(dirname "$0")/passwords.sh"

check_password BROKER_PASSWORD "${BROKER_PASSWORD:-}" secrets/kafka.env
check_password ADMIN_PASSWORD "${ADMIN_PASSWORD:-}" secrets/kafka.env

plain="org.apache.kafka.common.security.plain.PlainLoginModule required"
broker="username=\"kafka-broker\" password=\"$BROKER_PASSWORD\" user_kafka-broker=\"$BROKER_PASSWORD\""
export KAFKA_LISTENER_NAME_CONTROLLER_PLAIN_SASL_JAAS_CONFIG="$plain $broker;"
export KAFKA_LISTENER_NAME_BROKER_PLAIN_SASL_JAAS_CONFIG="$plain $broker user_kafka-admin=\"$ADMIN_PASSWORD\";"
export KAFKA_LISTENER_NAME_CLIENT_SCRAM___SHA___512_SASL_JAAS_CONFIG="org.apache.kafka.common.security.scram.ScramLoginModule required;"

exec "${KAFKA_RUN:-/etc/kafka/docker/run}"  # the image's own start
