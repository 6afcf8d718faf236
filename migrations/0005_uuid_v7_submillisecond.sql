-- UUIDv7 with the sub-millisecond fraction in rand_a (RFC 9562 §6.2, method 3), so that ids made
-- one after another within the same millisecond still sort in the order they were made. Keyset
-- pagination "newest first" relies on it.
create or replace function platform.uuid_v7() returns uuid
language plpgsql volatile as $$
declare
  micros bigint := floor(extract(epoch from clock_timestamp()) * 1000000);
  ts bigint := micros / 1000;
  frac int := ((micros % 1000) * 4096 / 1000)::int;
  bytes bytea := uuid_send(gen_random_uuid());
begin
  bytes := set_byte(bytes, 0, ((ts >> 40) & 255)::int);
  bytes := set_byte(bytes, 1, ((ts >> 32) & 255)::int);
  bytes := set_byte(bytes, 2, ((ts >> 24) & 255)::int);
  bytes := set_byte(bytes, 3, ((ts >> 16) & 255)::int);
  bytes := set_byte(bytes, 4, ((ts >> 8) & 255)::int);
  bytes := set_byte(bytes, 5, (ts & 255)::int);
  bytes := set_byte(bytes, 6, 112 | (frac >> 8));
  bytes := set_byte(bytes, 7, frac & 255);
  bytes := set_byte(bytes, 8, ((get_byte(bytes, 8) & 63) | 128));
  return encode(bytes, 'hex')::uuid;
end $$;
