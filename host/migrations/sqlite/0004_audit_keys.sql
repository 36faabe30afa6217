-- Keys that sign audit links (`/traces/{eval_id}?exp=..&kid=..&sig=..`): the newest
-- key in force signs new links; a link verifies while its key is in force and it has not
-- expired. A rotation adds a key; with --revoke it also retires the others at once, so
-- every link they signed stops working. Keep in step with ../postgres/0005_audit_keys.sql.

create table audit_keys (
    -- Insertion order: the newest key signs, even among keys made in one millisecond.
    seq integer not null constraint audit_keys_pkey primary key autoincrement,
    id text not null,
    secret text not null,
    -- Null while in force; set when revoked.
    retired_at integer,
    created_at integer not null,
    updated_at integer not null,
    constraint audit_keys_id_key unique (id)
) strict;
