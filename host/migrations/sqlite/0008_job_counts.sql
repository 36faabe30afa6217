-- Job counts by status for /metrics, kept by triggers instead of counted on each scrape.
-- A change of a job's status appends rows to job_count_changes (+1 for the new status,
-- -1 for the old); no row is updated, so writers never wait on a shared counter. Reading
-- the counts folds the changes into job_count_totals.
create table job_count_totals (
    status text primary key,
    n integer not null
);

create table job_count_changes (
    id integer primary key autoincrement,
    status text not null,
    delta integer not null
);

insert into job_count_totals (status, n) select status, count(*) from jobs group by status;

create trigger jobs_counted_on_insert after insert on jobs
begin
    insert into job_count_changes (status, delta) values (new.status, 1);
end;

create trigger jobs_counted_on_update after update of status on jobs
when old.status <> new.status
begin
    insert into job_count_changes (status, delta) values (old.status, -1), (new.status, 1);
end;

create trigger jobs_counted_on_delete after delete on jobs
begin
    insert into job_count_changes (status, delta) values (old.status, -1);
end;
