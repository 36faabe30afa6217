-- Webhook delivery: per-organisation signing secrets, the delivery outbox
-- (written in the same transaction as the job's result), and every attempt.
-- Keep in step with ../sqlite/0002_webhooks.sql.

create table webhook_secrets (
    id text collate "C" not null,
    org_id text collate "C" not null references orgs (id),
    secret text not null,
    -- Null while current; set to now + 24 h when a rotation retires it.
    expires_at bigint,
    created_at bigint not null,
    updated_at bigint not null,
    constraint webhook_secrets_pkey primary key (id)
);

create index webhook_secrets_org_id on webhook_secrets (org_id);

create table deliveries (
    -- The `webhook-id`: stable across retries and redeliveries.
    id text collate "C" not null,
    eval_id text collate "C" not null references jobs (id),
    org_id text collate "C" not null references orgs (id),
    url text not null,
    payload text not null,
    status text not null,
    attempts bigint not null default 0,
    next_attempt_at bigint not null,
    lease_owner text,
    lease_expires_at bigint,
    last_status_code bigint,
    last_error text,
    created_at bigint not null,
    updated_at bigint not null,
    constraint deliveries_pkey primary key (id),
    constraint deliveries_eval_id_key unique (eval_id),
    constraint deliveries_status_check check (status in ('pending', 'delivered', 'failed'))
);

create index deliveries_due on deliveries (status, next_attempt_at, id);

create table delivery_attempts (
    delivery_id text collate "C" not null references deliveries (id),
    number bigint not null,
    started_at bigint not null,
    duration_ms bigint not null,
    status_code bigint,
    error_kind text,
    response_prefix text not null,
    created_at bigint not null,
    updated_at bigint not null,
    constraint delivery_attempts_pkey primary key (delivery_id, number)
);
