//! The kobo-shelf server binary; everything it does lives in `kobo_shelf::server`.

#[cfg(all(feature = "ssr", not(feature = "dhat-heap")))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A profiling build (`--features dhat-heap`, never a release): every allocation is tracked.
#[cfg(feature = "dhat-heap")]
#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    #[cfg(feature = "dhat-heap")]
    profile_heap_until_sigusr1();
    #[cfg(not(feature = "dhat-heap"))]
    sqlite_memory::install();
    kobo_shelf::server::cli::main().await
}

/// SQLite's memory from mimalloc, as Rust's. With glibc's malloc, what SQLite freed after an
/// ingest or a search index build (tens of MB of page cache and FTS5 buffers, on threads of
/// the blocking pool, each with its own arena) stayed with the process: RSS after the first
/// sync of 5,000 books was 124 MB, of which the Rust heap was 12 MB (dhat) and SQLite's peak
/// 66 MB (heaptrack). See docs/performance.md.
#[cfg(all(feature = "ssr", not(feature = "dhat-heap")))]
mod sqlite_memory {
    use libmimalloc_sys as mi;
    use rusqlite::ffi;
    use std::os::raw::{c_int, c_void};

    unsafe extern "C" fn malloc(size: c_int) -> *mut c_void {
        mi::mi_malloc(size as usize)
    }
    unsafe extern "C" fn free(block: *mut c_void) {
        mi::mi_free(block)
    }
    unsafe extern "C" fn realloc(block: *mut c_void, size: c_int) -> *mut c_void {
        mi::mi_realloc(block, size as usize)
    }
    unsafe extern "C" fn size(block: *mut c_void) -> c_int {
        mi::mi_usable_size(block) as c_int
    }
    unsafe extern "C" fn roundup(size: c_int) -> c_int {
        (size + 7) & !7
    }
    unsafe extern "C" fn init(_: *mut c_void) -> c_int {
        ffi::SQLITE_OK
    }
    unsafe extern "C" fn shutdown(_: *mut c_void) {}

    /// Hands back what the calling thread freed (after an ingest or a search index build, on
    /// a blocking-pool thread that may then stay idle and keep it).
    fn release_freed() {
        // SAFETY: collects the calling thread's own heap.
        unsafe { mi::mi_collect(true) };
    }

    /// SQLite's allocator, and how the library hands freed memory back (`memory`); before any
    /// connection is opened (SQLite copies the methods).
    pub fn install() {
        kobo_shelf::server::memory::set_release(release_freed);
        let methods = ffi::sqlite3_mem_methods {
            xMalloc: Some(malloc),
            xFree: Some(free),
            xRealloc: Some(realloc),
            xSize: Some(size),
            xRoundup: Some(roundup),
            xInit: Some(init),
            xShutdown: Some(shutdown),
            pAppData: std::ptr::null_mut(),
        };
        // SAFETY: called first thing in main, before SQLite is initialised or used; the
        // methods are mimalloc's own allocation functions, which meet SQLite's contract
        // (8-byte aligned blocks, `xSize` at least the size asked for).
        let status =
            unsafe { ffi::sqlite3_config(ffi::SQLITE_CONFIG_MALLOC, &methods as *const ffi::sqlite3_mem_methods) };
        assert_eq!(status, ffi::SQLITE_OK, "SQLite refused its allocator");
    }
}

/// Writes `dhat-heap.json` when the server gets SIGUSR1: what is allocated at that moment (and
/// at the peak), by allocation site, for https://nnethercote.github.io/dh_view/dh_view.html.
#[cfg(feature = "dhat-heap")]
fn profile_heap_until_sigusr1() {
    let profiler = dhat::Profiler::new_heap();
    tokio::spawn(async move {
        let signal = tokio::signal::unix::SignalKind::user_defined1();
        let mut usr1 = tokio::signal::unix::signal(signal).expect("install the SIGUSR1 handler");
        usr1.recv().await;
        drop(profiler);
    });
}

#[cfg(not(feature = "ssr"))]
fn main() {
    // The browser side is a library (`hydrate`); this binary only exists with `ssr`.
}
