//! Documents in parallel: one thread per worker process, each taking the
//! next document from a shared counter until none is left.
//!
//! Plain threads, not a rayon pool: a thread spends most of its time waiting
//! for its worker process, and the order of the reports is fixed afterwards.

use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context;

use super::DocReport;
use crate::typeset::worker::{Pool, Worker};

/// The most worker processes a build starts, whatever `--jobs` asks: each
/// holds its own fonts and caches.
pub const MAX_JOBS: usize = 64;

/// Runs `build` on every item with `jobs` workers (0: one per core).
pub fn run<T: Sync>(
    jobs: usize,
    items: &[T],
    pool: &Pool,
    on_progress: &(dyn Fn(usize) + Sync),
    build: impl Fn(&mut Worker, &T) -> DocReport + Sync,
) -> anyhow::Result<Vec<DocReport>> {
    let jobs = workers(jobs, items.len());
    let next = AtomicUsize::new(0);
    let work = || {
        let mut worker = pool.worker();
        let mut reports = Vec::new();
        while let Some(item) = items.get(next.fetch_add(1, Ordering::Relaxed)) {
            reports.push(build(&mut worker, item));
            on_progress(items.len());
        }
        reports
    };
    std::thread::scope(|scope| {
        let threads: Vec<_> = (0..jobs)
            .map(|_| std::thread::Builder::new().spawn_scoped(scope, work))
            .collect::<Result<_, _>>()?;
        let mut reports = Vec::with_capacity(items.len());
        for thread in threads {
            reports.extend(
                thread
                    .join()
                    .map_err(|_| anyhow::anyhow!("a build thread panicked"))?,
            );
        }
        anyhow::Ok(reports)
    })
    .context("cannot run the build threads")
}

/// How many workers to run: as asked (or one per core), no more than there
/// are documents, and at most [`MAX_JOBS`].
pub fn workers(asked: usize, documents: usize) -> usize {
    let wanted = if asked == 0 {
        std::thread::available_parallelism().map_or(1, usize::from)
    } else {
        asked
    };
    wanted.min(documents).clamp(1, MAX_JOBS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workers_are_bounded_by_documents_and_the_maximum() {
        assert_eq!(workers(100_000, 10), 10);
        assert_eq!(workers(100_000, 10_000), MAX_JOBS);
        assert_eq!(workers(3, 0), 1);
        assert!(workers(0, 10) >= 1);
    }
}
