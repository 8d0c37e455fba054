-- Alert engine shards (services/alerts/shard.py): which of `shards` engine shards judges a
-- subject (a target id or a series key), and so owns its alerts. The first 32 bits of the
-- subject's MD5, as an unsigned number, modulo the number of shards: the same as
-- `Shard.of` computes in Python.
CREATE FUNCTION alert_shard(subject text, shards integer) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (('x' || left(md5(subject), 8))::bit(32)::bigint % shards)::integer;
