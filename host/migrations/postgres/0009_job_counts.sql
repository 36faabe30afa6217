-- Job counts by status for /metrics, kept by a trigger instead of counted on each scrape.
-- A change of a job's status appends rows to job_count_changes (+1 for the new status,
-- -1 for the old); no row is updated, so concurrent workers never wait on a shared
-- counter. Reading the counts folds the changes into job_count_totals.
create table job_count_totals (
    status text primary key,
    n bigint not null
);

create table job_count_changes (
    id bigserial primary key,
    status text not null,
    delta integer not null
);

insert into job_count_totals (status, n) select status, count(*) from jobs group by status;

create function jobs_counted() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        insert into job_count_changes (status, delta) values (new.status, 1);
    elsif tg_op = 'DELETE' then
        insert into job_count_changes (status, delta) values (old.status, -1);
    elsif old.status is distinct from new.status then
        insert into job_count_changes (status, delta) values (old.status, -1), (new.status, 1);
    end if;
    return null;
end
$$;

create trigger jobs_counted after insert or delete or update of status on jobs
    for each row execute function jobs_counted();
