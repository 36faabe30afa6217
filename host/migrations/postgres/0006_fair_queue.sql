-- Fair claiming and backoff. Keep in step with ../sqlite/0005_fair_queue.sql.

alter table jobs add column run_at bigint not null default 0;
alter table jobs add column retries bigint not null default 0;
-- Bumped by every claim: the fencing token each later write of that claim presents, so
-- that a worker whose lease ran out (and whose job was claimed again) writes nothing.
alter table jobs add column lease_token bigint not null default 0;

create index jobs_org_status_created_at on jobs (org_id, status, created_at, id);
