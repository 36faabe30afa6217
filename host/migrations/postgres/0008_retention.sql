-- Retention: see ../sqlite/0007_retention.sql. Keep the two in step.

alter table orgs add column retention_days bigint;

create index jobs_org_finished_at on jobs (org_id, finished_at)
    where status in ('completed', 'failed');

create index jobs_pool_version on jobs (org_id, pool_id, pool_version);
