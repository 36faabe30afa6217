-- Rule modules as data: every module ever published (content-addressed, immutable),
-- releases of a vertical (a manifest and its modules' hashes, immutable), which release
-- each vertical serves, and every change of that. Jobs record the release they ran and
-- the clock their modules saw; traces keep their wall times apart, so that the trace
-- itself is a pure function of the job's inputs and replays byte for byte.
-- Keep in step with ../sqlite/0003_releases.sql.

create table modules (
    sha256 text collate "C" not null,
    name text not null,
    version text not null,
    vertical text collate "C" not null,
    kind text not null,
    size bigint not null,
    bytes bytea not null,
    created_at bigint not null,
    updated_at bigint not null,
    constraint modules_pkey primary key (sha256)
);

create table verticals (
    vertical text collate "C" not null,
    last_release bigint not null,
    active_release bigint,
    created_at bigint not null,
    updated_at bigint not null,
    constraint verticals_pkey primary key (vertical)
);

create table releases (
    vertical text collate "C" not null,
    number bigint not null,
    manifest text not null,
    content_hash text not null,
    note text not null,
    published_by text not null,
    created_at bigint not null,
    updated_at bigint not null,
    constraint releases_pkey primary key (vertical, number),
    constraint releases_content_key unique (vertical, content_hash),
    constraint releases_vertical_fkey foreign key (vertical) references verticals (vertical)
);

create table release_modules (
    vertical text collate "C" not null,
    number bigint not null,
    position bigint not null,
    module_sha256 text collate "C" not null references modules (sha256),
    created_at bigint not null,
    updated_at bigint not null,
    constraint release_modules_pkey primary key (vertical, number, position),
    constraint release_modules_release_fkey foreign key (vertical, number) references releases (vertical, number)
);

create table activations (
    id bigint generated always as identity,
    vertical text collate "C" not null,
    from_number bigint,
    to_number bigint not null,
    kind text not null,
    actor text not null,
    created_at bigint not null,
    updated_at bigint not null,
    constraint activations_pkey primary key (id),
    constraint activations_kind_check check (kind in ('activate', 'rollback')),
    constraint activations_release_fkey foreign key (vertical, to_number) references releases (vertical, number)
);

create index activations_vertical on activations (vertical, id);

alter table jobs add column release_number bigint;
alter table jobs add column sandbox_clock bigint;

alter table traces add column timings text;
