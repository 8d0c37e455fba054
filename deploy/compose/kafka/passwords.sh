# Sourced by the scripts of deploy/compose/kafka: checks of the passwords they are given.

# check_password NAME VALUE FILE: refuses an empty, placeholder, short or awkward password
# (SCRAM and JAAS configs are parsed on ',', '=', '"' and ';', so only these characters).
check_password() {
    local name=$1 value=$2 file=$3
    if [ -z "$value" ] || [ "$value" = "CHANGE-ME" ]; then
        echo "$name is not set in $file: copy $file.example and set it (e.g. openssl rand -hex 24)" >&2
        exit 1
    fi
    if [ "${#value}" -lt 16 ] || [[ ! $value =~ ^[A-Za-z0-9._~-]+$ ]]; then
        echo "$name in $file: use at least 16 characters of A-Z a-z 0-9 . _ ~ - (e.g. openssl rand -hex 24)" >&2
        exit 1
    fi
}

# admin_config: a client config for the admin tools (the BROKER listener, as kafka-admin);
# prints its path
admin_config() {
    local config=${TMPDIR:-/tmp}/ontrack-kafka-admin.properties
    check_password ADMIN_PASSWORD "${ADMIN_PASSWORD:-}" secrets/kafka.env
    umask 077
    cat >"$config" <<PROPERTIES
security.protocol=SASL_PLAINTEXT
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="kafka-admin" password="$ADMIN_PASSWORD";
PROPERTIES
    echo "$config"
}
