//! The global allocator: the system's, except that an allocation that fails
//! ends the process at once with a status that says so.
//!
//! A typesetting worker runs under a memory limit (see
//! [`crate::typeset::worker`]); when a document needs more, its allocations
//! fail. Rust's own handler would abort, which a parent cannot tell from a
//! stack overflow; this exit status lets the build name the memory limit.
//!
//! The parent is bounded too ([`bound_parent`]): the template engine runs
//! in it, and a template that doubles a text in a loop would otherwise take
//! all the machine's memory. Past its bound it stops with a message.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::typeset::worker::OUT_OF_MEMORY;

pub struct ExitOnFailure;

/// Whether this process is the parent, which says why it stops.
static PARENT: AtomicBool = AtomicBool::new(false);

/// What the parent says when its memory runs out: written without
/// allocating, since nothing more can be allocated.
const PARENT_OUT_OF_MEMORY: &[u8] = b"error: jixiao needed more memory than its limit for its own work (reading the data, checking it, rendering the templates); a template that grows a text or list in a loop does this: fix the template, or raise --memory-limit\n";

/// The memory the parent may use besides `--memory-limit`: the data files
/// of a province, their findings and the rendered sources of the documents
/// being typeset.
pub const PARENT_ALLOWANCE: u64 = 1 << 30;

/// Bounds this process's heap (`RLIMIT_DATA`, the soft limit only, so that
/// workers may set their own) and makes it the parent, which reports an
/// allocation that fails as the limit reached, in words.
pub fn bound_parent(bytes: u64) -> std::io::Result<()> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_DATA, &mut limit) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        limit.rlim_cur = bytes.min(limit.rlim_max);
        if libc::setrlimit(libc::RLIMIT_DATA, &limit) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    PARENT.store(true, Ordering::Relaxed);
    Ok(())
}

fn checked(pointer: *mut u8) -> *mut u8 {
    if pointer.is_null() {
        if PARENT.load(Ordering::Relaxed) {
            // SAFETY: writing a static buffer to standard error allocates
            // nothing; its result does not matter, the process ends next.
            unsafe {
                libc::write(
                    2,
                    PARENT_OUT_OF_MEMORY.as_ptr().cast(),
                    PARENT_OUT_OF_MEMORY.len(),
                );
                libc::_exit(2)
            }
        }
        // SAFETY: `_exit` ends the process without running anything that
        // could allocate; no state needs to survive a failed allocation.
        unsafe { libc::_exit(OUT_OF_MEMORY) }
    }
    pointer
}

// SAFETY: every call is passed through to `System` unchanged; only a null
// result is turned into the end of the process.
unsafe impl GlobalAlloc for ExitOnFailure {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        checked(unsafe { System.alloc(layout) })
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        checked(unsafe { System.alloc_zeroed(layout) })
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        checked(unsafe { System.realloc(pointer, layout, size) })
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { System.dealloc(pointer, layout) }
    }
}
