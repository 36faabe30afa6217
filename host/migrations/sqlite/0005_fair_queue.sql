-- Fair claiming, fencing and backoff. A job waits in the queue until `run_at` (a job put back
-- after a passing failure waits out its backoff); `retries` counts those returns, which
-- are not lost workers. Claims serve the organisation with the fewest running jobs first,
-- which this index keeps cheap. Keep in step with ../postgres/0006_fair_queue.sql.

alter table jobs add column run_at integer not null default 0;
alter table jobs add column retries integer not null default 0;
-- Bumped by every claim: the fencing token each later write of that claim presents, so
-- that a worker whose lease ran out (and whose job was claimed again) writes nothing.
alter table jobs add column lease_token integer not null default 0;

create index jobs_org_status_created_at on jobs (org_id, status, created_at, id);
