-- Shortlist schema for PostgreSQL. Keep in step with ../sqlite/0001_init.sql:
-- same tables, columns and constraint names, so `store::Error::Conflict` names
-- the same constraint on both backends. Identifiers use collation "C" so that
-- ordering (claims, pool listings) is bytewise, as in SQLite. Timestamps are
-- unix milliseconds chosen by the caller. Never edit a released migration:
-- add the next NNNN_name.sql instead.

create table orgs (
    id text collate "C" not null,
    name text not null,
    created_at bigint not null,
    updated_at bigint not null,
    constraint orgs_pkey primary key (id),
    constraint orgs_name_key unique (name)
);

create table api_keys (
    id text collate "C" not null,
    org_id text collate "C" not null references orgs (id),
    hash text not null,
    revoked_at bigint,
    created_at bigint not null,
    updated_at bigint not null,
    constraint api_keys_pkey primary key (id)
);

create index api_keys_org_id on api_keys (org_id);

-- One row per pool: its latest version number. Bumping it with an upsert
-- (which locks the row until commit) is what makes concurrent imports of one
-- pool get distinct versions.
create table pools (
    org_id text collate "C" not null references orgs (id),
    pool_id text collate "C" not null,
    current_version bigint not null,
    created_at bigint not null,
    updated_at bigint not null,
    constraint pools_pkey primary key (org_id, pool_id)
);

-- Immutable snapshots of a pool; jobs name the version they evaluate.
create table pool_versions (
    org_id text collate "C" not null,
    pool_id text collate "C" not null,
    version bigint not null,
    vertical text not null,
    size bigint not null,
    content_hash text not null,
    candidates text not null,
    created_at bigint not null,
    updated_at bigint not null,
    constraint pool_versions_pkey primary key (org_id, pool_id, version),
    constraint pool_versions_pool_fkey foreign key (org_id, pool_id) references pools (org_id, pool_id)
);

create table jobs (
    id text collate "C" not null,
    org_id text collate "C" not null references orgs (id),
    pool_id text collate "C" not null,
    pool_version bigint not null,
    vertical text not null,
    profile text not null,
    webhook_url text,
    idempotency_key text,
    request_hash text not null,
    status text not null,
    attempts bigint not null default 0,
    lease_owner text,
    lease_expires_at bigint,
    progress_done bigint not null default 0,
    progress_total bigint not null default 0,
    result text,
    error_code text,
    error_message text,
    module_hashes text,
    created_at bigint not null,
    updated_at bigint not null,
    started_at bigint,
    finished_at bigint,
    constraint jobs_pkey primary key (id),
    -- NULL keys are distinct, so jobs without an idempotency key never collide.
    constraint jobs_org_idempotency_key unique (org_id, idempotency_key),
    constraint jobs_status_check check (status in ('queued', 'running', 'completed', 'failed'))
);

-- The claim query: oldest queued job first.
create index jobs_status_created_at on jobs (status, created_at, id);
-- The claim query: running jobs whose lease expired.
create index jobs_running_lease on jobs (lease_expires_at) where status = 'running';

create table traces (
    eval_id text collate "C" not null references jobs (id),
    org_id text collate "C" not null references orgs (id),
    encoding text not null,
    bytes bytea not null,
    raw_bytes bigint not null,
    created_at bigint not null,
    updated_at bigint not null,
    constraint traces_pkey primary key (eval_id)
);
