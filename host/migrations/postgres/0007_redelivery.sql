-- Keep in step with ../sqlite/0006_redelivery.sql.

alter table deliveries add column redelivered_at bigint;
