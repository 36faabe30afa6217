-- Keys that sign audit links. Keep in step with ../sqlite/0004_audit_keys.sql.

create table audit_keys (
    seq bigint generated always as identity,
    id text collate "C" not null,
    secret text not null,
    retired_at bigint,
    created_at bigint not null,
    updated_at bigint not null,
    constraint audit_keys_pkey primary key (seq),
    constraint audit_keys_id_key unique (id)
);
