-- When a delivery was last sent again on request (`POST .../redeliver`): at most one
-- redelivery per job per interval. Keep in step with ../postgres/0007_redelivery.sql.

alter table deliveries add column redelivered_at integer;
