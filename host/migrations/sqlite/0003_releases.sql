-- Rule modules as data: every module ever published (content-addressed, immutable),
-- releases of a vertical (a manifest and its modules' hashes, immutable), which release
-- each vertical serves, and every change of that. Jobs record the release they ran and
-- the clock their modules saw; traces keep their wall times apart, so that the trace
-- itself is a pure function of the job's inputs and replays byte for byte.
-- Keep in step with ../postgres/0004_releases.sql.

create table modules (
    -- SHA-256 of the component's bytes, hex: the module's identity.
    sha256 text not null,
    name text not null,
    version text not null,
    vertical text not null,
    kind text not null,
    size integer not null,
    bytes blob not null,
    created_at integer not null,
    updated_at integer not null,
    constraint modules_pkey primary key (sha256)
) strict;

-- One row per vertical: the last release number given out (bumping it serializes
-- concurrent publishes) and the release served now (null until one is activated).
create table verticals (
    vertical text not null,
    last_release integer not null,
    active_release integer,
    created_at integer not null,
    updated_at integer not null,
    constraint verticals_pkey primary key (vertical)
) strict;

create table releases (
    vertical text not null,
    number integer not null,
    -- The manifest (vertical.toml) as published, byte for byte.
    manifest text not null,
    -- SHA-256 over the parsed manifest and the module hashes: publishing the same
    -- content twice gives the same release.
    content_hash text not null,
    note text not null,
    published_by text not null,
    created_at integer not null,
    updated_at integer not null,
    constraint releases_pkey primary key (vertical, number),
    constraint releases_content_key unique (vertical, content_hash),
    constraint releases_vertical_fkey foreign key (vertical) references verticals (vertical)
) strict;

-- A release's modules, in manifest order.
create table release_modules (
    vertical text not null,
    number integer not null,
    position integer not null,
    module_sha256 text not null references modules (sha256),
    created_at integer not null,
    updated_at integer not null,
    constraint release_modules_pkey primary key (vertical, number, position),
    constraint release_modules_release_fkey foreign key (vertical, number) references releases (vertical, number)
) strict;

-- Every change of a vertical's active release: who, when, from which, to which. The
-- highest id is the catalogue's version, which replicas poll to notice a change.
create table activations (
    -- autoincrement: an id is never reused, so the catalogue's version only grows.
    id integer not null constraint activations_pkey primary key autoincrement,
    vertical text not null,
    from_number integer,
    to_number integer not null,
    kind text not null,
    actor text not null,
    created_at integer not null,
    updated_at integer not null,
    constraint activations_kind_check check (kind in ('activate', 'rollback')),
    constraint activations_release_fkey foreign key (vertical, to_number) references releases (vertical, number)
) strict;

create index activations_vertical on activations (vertical, id);

alter table jobs add column release_number integer;
alter table jobs add column sandbox_clock integer;

alter table traces add column timings text;
