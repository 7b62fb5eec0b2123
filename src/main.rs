fn main() -> std::process::ExitCode {
    restore_default_sigpipe();
    joinsim::cli::main()
}

/// Rust ignores SIGPIPE, so `joinsim run ... | head` would panic on a closed
/// pipe; a command-line tool should end quietly instead, as `cat` does.
#[cfg(unix)]
fn restore_default_sigpipe() {
    // SAFETY: called once at start-up, before any thread exists; setting a
    // signal's disposition to its default is always sound.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn restore_default_sigpipe() {}
