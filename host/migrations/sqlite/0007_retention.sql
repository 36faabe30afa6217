-- Retention: an organisation may keep its finished jobs for other than the deployment's
-- number of days (null: the deployment's; 0: for ever); the janitor deletes a job with
-- its trace, delivery and attempts once past it, and a pool version no retained job
-- references once a newer one superseded it. A delivery's payload is the job's result,
-- read from the job: the result is stored once (deliveries written before keep theirs).
-- Keep in step with ../postgres/0008_retention.sql.

alter table orgs add column retention_days integer;

-- The janitor's search: an organisation's finished jobs, oldest first.
create index jobs_org_finished_at on jobs (org_id, finished_at)
    where status in ('completed', 'failed');

-- Whether a retained job references a pool version.
create index jobs_pool_version on jobs (org_id, pool_id, pool_version);
