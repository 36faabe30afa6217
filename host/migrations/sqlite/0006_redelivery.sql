-- When a delivery was last sent again on request (`POST .../redeliver`): at most one
-- redelivery per job per interval. Keep in step with ../postgres/0007_redelivery.sql.

alter table deliveries add column redelivered_at integer;

-- Bumped by every claim of a delivery: the fencing token of its attempt's result.
alter table deliveries add column lease_token integer not null default 0;
