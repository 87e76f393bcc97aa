//! Memory handed back after the big jobs. An ingest or a search index build frees tens of MB
//! on a thread of the blocking pool that may then stay idle, and allocators keep a thread's
//! freed memory until it works again. The binary chooses the allocator and says how to hand
//! it back ([`set_release`]); the library says when ([`release_freed`]).

use std::sync::OnceLock;

static RELEASE: OnceLock<fn()> = OnceLock::new();

/// How this process hands freed memory back (set once, at start).
pub fn set_release(release: fn()) {
    let _ = RELEASE.set(release);
}

/// Hands back what this thread freed, if the binary said how.
pub fn release_freed() {
    if let Some(release) = RELEASE.get() {
        release();
    }
}
