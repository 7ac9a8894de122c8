//! The global allocator: the system's, except that an allocation that fails
//! ends the process at once with a status that says so.
//!
//! A typesetting worker runs under a memory limit (see
//! [`crate::typeset::worker`]); when a document needs more, its allocations
//! fail. Rust's own handler would abort, which a parent cannot tell from a
//! stack overflow; this exit status lets the build name the memory limit.

use std::alloc::{GlobalAlloc, Layout, System};

use crate::typeset::worker::OUT_OF_MEMORY;

pub struct ExitOnFailure;

fn checked(pointer: *mut u8) -> *mut u8 {
    if pointer.is_null() {
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
