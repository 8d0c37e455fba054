#!/usr/bin/env bash
# A broker's health check: it answers its admin listener, to the admin's login.
set -euo pipefail
. "$(dirname "$0")/passwords.sh"
/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:9094 \
    --command-config "$(admin_config)" >/dev/null
