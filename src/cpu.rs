//! CPU time, as the build reports where its time went: what a process (all
//! its threads: Typst lays out in several) or one thread has run, not how
//! long it waited for a core or for a worker. On a machine with more work
//! than cores, wall time would charge the waiting to whichever step was
//! being timed.

use std::time::Duration;

/// The CPU time of this process, every thread's.
pub fn process() -> Duration {
    clock(libc::CLOCK_PROCESS_CPUTIME_ID)
}

/// The CPU time of the calling thread.
pub fn thread() -> Duration {
    clock(libc::CLOCK_THREAD_CPUTIME_ID)
}

fn clock(id: libc::clockid_t) -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the struct it is given.
    if unsafe { libc::clock_gettime(id, &mut now) } != 0 {
        return Duration::ZERO;
    }
    let seconds = u64::try_from(now.tv_sec).unwrap_or(0);
    let nanos = u32::try_from(now.tv_nsec).unwrap_or(0);
    Duration::new(seconds, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_s_clock_runs_while_it_works_and_not_while_it_sleeps() {
        let start = thread();
        std::thread::sleep(Duration::from_millis(50));
        let slept = thread() - start;
        let start = thread();
        let mut x = 0u64;
        while thread() - start < Duration::from_millis(20) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        assert!(slept < Duration::from_millis(20), "{slept:?}");
        assert!(process() >= thread());
    }
}
