-- Webhook delivery: per-organisation signing secrets, the delivery outbox
-- (written in the same transaction as the job's result), and every attempt.
-- Keep in step with ../postgres/0002_webhooks.sql.

create table webhook_secrets (
    id text not null,
    org_id text not null references orgs (id),
    secret text not null,
    -- Null while current; set to now + 24 h when a rotation retires it.
    expires_at integer,
    created_at integer not null,
    updated_at integer not null,
    constraint webhook_secrets_pkey primary key (id)
) strict;

create index webhook_secrets_org_id on webhook_secrets (org_id);

create table deliveries (
    -- The `webhook-id`: stable across retries and redeliveries.
    id text not null,
    eval_id text not null references jobs (id),
    org_id text not null references orgs (id),
    url text not null,
    payload text not null,
    status text not null,
    attempts integer not null default 0,
    next_attempt_at integer not null,
    lease_owner text,
    lease_expires_at integer,
    last_status_code integer,
    last_error text,
    created_at integer not null,
    updated_at integer not null,
    constraint deliveries_pkey primary key (id),
    constraint deliveries_eval_id_key unique (eval_id),
    constraint deliveries_status_check check (status in ('pending', 'delivered', 'failed'))
) strict;

create index deliveries_due on deliveries (status, next_attempt_at, id);

create table delivery_attempts (
    delivery_id text not null references deliveries (id),
    number integer not null,
    started_at integer not null,
    duration_ms integer not null,
    status_code integer,
    error_kind text,
    response_prefix text not null,
    created_at integer not null,
    updated_at integer not null,
    constraint delivery_attempts_pkey primary key (delivery_id, number)
) strict;
