-- Keep in step with ../sqlite/0006_redelivery.sql.

alter table deliveries add column redelivered_at bigint;

-- Bumped by every claim of a delivery: the fencing token of its attempt's result.
alter table deliveries add column lease_token bigint not null default 0;
