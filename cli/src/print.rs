//! Standard output and error, written so that a reader that has gone ends the command quietly
//! rather than with the panic of `print!` and `eprint!`.

use std::io::Write;

/// Writes to standard output, at once. When its reader has gone (`pc-carts ... | head`), the
/// command ends there, as `cat` does, with 141 (the shell's code for a death by SIGPIPE)
/// rather than the panic of `print!`; another failure to write ends it with 1.
pub fn write_out(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            write_err(format_args!("error: cannot write the answer: {e}\n"));
            std::process::exit(1);
        }
        std::process::exit(141);
    }
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
