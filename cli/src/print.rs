//! Standard output and error, written so that a reader that has gone ends the command quietly
//! rather than with the panic of `print!` and `eprint!`.

use std::io::Write;

/// Writes to standard output, at once. When its reader has gone (`pc-carts ... | head`), the
/// command ends there, as `cat` does, with 141 (the shell's code for a death by SIGPIPE)
/// rather than the panic of `print!`; another failure to write (a full disk, a closed standard
/// output) ends it with 1.
pub fn write_out(args: std::fmt::Arguments<'_>) {
    // Rust's standard output takes writes to a closed descriptor (`>&-`) as done: the answer
    // would be lost without a word.
    if !stdout_is_open() {
        write_err(format_args!(
            "error: cannot write the answer: standard output is closed\n"
        ));
        std::process::exit(1);
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            write_err(format_args!("error: cannot write the answer: {e}\n"));
            std::process::exit(1);
        }
        std::process::exit(141);
    }
}

/// Whether standard output was open when the command started. Rust opens `/dev/null` on a
/// standard descriptor found closed at start, read and write; a shell's `> /dev/null` opens it
/// for writing only, so the two can be told apart (on Linux; elsewhere it is taken as open).
fn stdout_is_open() -> bool {
    static OPEN: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *OPEN.get_or_init(|| !reopened_on_dev_null())
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn reopened_on_dev_null() -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: F_GETFL reads descriptor 1's flags and changes nothing; -1 for a closed one.
    let flags = unsafe { libc::fcntl(1, libc::F_GETFL) };
    let read_write = flags >= 0 && flags & libc::O_ACCMODE == libc::O_RDWR;
    let same =
        |a: std::fs::Metadata, b: std::fs::Metadata| a.dev() == b.dev() && a.ino() == b.ino();
    read_write
        && match (
            std::fs::metadata("/proc/self/fd/1"),
            std::fs::metadata("/dev/null"),
        ) {
            (Ok(out), Ok(null)) => same(out, null),
            _ => false,
        }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn reopened_on_dev_null() -> bool {
    false
}

/// Writes to standard error; when it cannot (closed with `2>&-`), there is no one to tell.
pub fn write_err(args: std::fmt::Arguments<'_>) {
    let _ = std::io::stderr().lock().write_fmt(args);
}

/// `eprint!`, through [`write_err`].
macro_rules! err {
    ($($arg:tt)*) => {
        $crate::print::write_err(format_args!($($arg)*))
    };
}

/// `print!`, through [`write_out`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::print::write_out(format_args!($($arg)*))
    };
}

/// `println!`, through [`write_out`].
macro_rules! outln {
    () => {
        $crate::print::write_out(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::print::write_out(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {err, out, outln};
