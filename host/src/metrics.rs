//! In-process metrics, rendered in the Prometheus text format by `GET /metrics`.

use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::catalogue::Catalogue;

/// Upper bounds of the latency buckets, in seconds.
pub const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// A cumulative histogram of durations.
#[derive(Debug, Default)]
pub struct Histogram {
    counts: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    /// Records one observation.
    pub fn observe(&self, duration: Duration) {
        let seconds = duration.as_secs_f64();
        for (bound, count) in BUCKETS.iter().zip(&self.counts) {
            if seconds <= *bound {
                count.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add(duration.as_micros() as u64, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (bound, count) in BUCKETS.iter().zip(&self.counts) {
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {}",
                count.load(Ordering::Relaxed)
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {sum}");
        let _ = writeln!(out, "{name}_count{braces} {count}");
    }
}

/// The service's metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Time from claim to committed result, per evaluation.
    pub evaluation: Histogram,
    /// Time from submission to committed result.
    pub submit_to_complete: Histogram,
    /// Module call time, by module name.
    plugin_calls: Mutex<Vec<(String, Histogram)>>,
    /// Evaluations finished, by outcome.
    pub completed: AtomicU64,
    /// Evaluations failed.
    pub failed: AtomicU64,
    /// Jobs put back on the queue after a passing failure.
    pub retried: AtomicU64,
    /// Finished jobs deleted past retention.
    pub purged_jobs: AtomicU64,
    /// Superseded, unreferenced pool versions deleted.
    pub purged_pool_versions: AtomicU64,
}

impl Metrics {
    /// Records one module call's wall time.
    pub fn observe_plugin_call(&self, module: &str, duration: Duration) {
        let mut calls = self
            .plugin_calls
            .lock()
            .expect("the metrics lock is never poisoned");
        match calls.iter().position(|(name, _)| name == module) {
            Some(i) => calls[i].1.observe(duration),
            None => {
                let histogram = Histogram::default();
                histogram.observe(duration);
                calls.push((module.to_owned(), histogram));
            }
        }
    }

    /// The Prometheus text exposition, with job counts by status read from the store and
    /// the state of the releases this replica serves.
    pub fn render(&self, jobs_by_status: &[(&str, i64)], catalogue: &Catalogue) -> String {
        let mut out = String::new();
        out.push_str("# HELP shortlist_release_active The release number each vertical serves here.\n# TYPE shortlist_release_active gauge\n");
        for release in catalogue.releases() {
            let _ = writeln!(
                out,
                "shortlist_release_active{{vertical=\"{}\"}} {}",
                release.id.vertical, release.id.number
            );
        }
        out.push_str("# HELP shortlist_catalogue_version The registry version this replica has caught up with.\n# TYPE shortlist_catalogue_version gauge\n");
        let _ = writeln!(out, "shortlist_catalogue_version {}", catalogue.version());
        out.push_str("# HELP shortlist_release_load_failures_total Releases this replica failed to load (it kept the one before).\n# TYPE shortlist_release_load_failures_total counter\n");
        let _ = writeln!(
            out,
            "shortlist_release_load_failures_total {}",
            catalogue.load_failures()
        );
        out.push_str("# HELP shortlist_prepared_pool_bytes Memory the prepared pools cached here take (--pool-cache-mib bounds it).\n# TYPE shortlist_prepared_pool_bytes gauge\n");
        let _ = writeln!(
            out,
            "shortlist_prepared_pool_bytes {}",
            catalogue.prepared_pool_bytes()
        );
        out.push_str(
            "# HELP shortlist_jobs Jobs in the store, by status.\n# TYPE shortlist_jobs gauge\n",
        );
        for (status, count) in jobs_by_status {
            let _ = writeln!(out, "shortlist_jobs{{status=\"{status}\"}} {count}");
        }
        let queued = jobs_by_status
            .iter()
            .find(|(s, _)| *s == "queued")
            .map_or(0, |(_, c)| *c);
        out.push_str("# HELP shortlist_queue_depth Jobs waiting for a worker.\n# TYPE shortlist_queue_depth gauge\n");
        let _ = writeln!(out, "shortlist_queue_depth {queued}");
        out.push_str("# HELP shortlist_evaluations_total Evaluations finished by this process, by outcome.\n# TYPE shortlist_evaluations_total counter\n");
        let _ = writeln!(
            out,
            "shortlist_evaluations_total{{status=\"completed\"}} {}",
            self.completed.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "shortlist_evaluations_total{{status=\"failed\"}} {}",
            self.failed.load(Ordering::Relaxed)
        );
        out.push_str("# HELP shortlist_job_retries_total Jobs requeued after a passing failure.\n# TYPE shortlist_job_retries_total counter\n");
        let _ = writeln!(
            out,
            "shortlist_job_retries_total {}",
            self.retried.load(Ordering::Relaxed)
        );
        out.push_str("# HELP shortlist_retention_deleted_total Rows the janitor deleted past retention, by kind.\n# TYPE shortlist_retention_deleted_total counter\n");
        let _ = writeln!(
            out,
            "shortlist_retention_deleted_total{{kind=\"job\"}} {}",
            self.purged_jobs.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "shortlist_retention_deleted_total{{kind=\"pool_version\"}} {}",
            self.purged_pool_versions.load(Ordering::Relaxed)
        );
        out.push_str("# HELP shortlist_evaluation_seconds Claim to committed result.\n# TYPE shortlist_evaluation_seconds histogram\n");
        self.evaluation
            .render(&mut out, "shortlist_evaluation_seconds", "");
        out.push_str("# HELP shortlist_submit_to_complete_seconds Submission to committed result.\n# TYPE shortlist_submit_to_complete_seconds histogram\n");
        self.submit_to_complete
            .render(&mut out, "shortlist_submit_to_complete_seconds", "");
        out.push_str("# HELP shortlist_plugin_call_seconds Module call time, instantiation included.\n# TYPE shortlist_plugin_call_seconds histogram\n");
        for (module, histogram) in self
            .plugin_calls
            .lock()
            .expect("the metrics lock is never poisoned")
            .iter()
        {
            histogram.render(
                &mut out,
                "shortlist_plugin_call_seconds",
                &format!("module=\"{module}\""),
            );
        }
        out
    }
}
