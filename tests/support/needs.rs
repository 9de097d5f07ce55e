//! Tests that need a program not every machine has (Debian's `redis-server`, `tmux`): run with
//! their own harness (libtest-mimic), which decides when they run whether each is run or
//! ignored. Where the program is not on the `PATH`, they are ignored, counted in the summary,
//! with one line that names the package to install; under `CI=true` they run all the same, so
//! that its absence fails them (`.ci/run` installs both).

use std::process::ExitCode;

use libtest_mimic::{Arguments, Failed, Trial};

/// Runs `trials`, as `cargo test` runs a test binary (its arguments, its filters, its
/// summary), skipping them where `program` (Debian's package `package`) is missing.
pub fn run(program: &str, package: &str, trials: Vec<Trial>) -> ExitCode {
    let needs = [(program, package)];
    run_each(trials.into_iter().map(|t| (&needs[..], t)).collect())
}

/// Runs `trials`, each skipped where a program it needs (with its Debian package) is missing.
pub fn run_each(trials: Vec<(&[(&str, &str)], Trial)>) -> ExitCode {
    let arguments = Arguments::from_args();
    let mut skipped: Vec<(&str, &str, usize)> = Vec::new();
    let trials = trials
        .into_iter()
        .map(|(needs, trial)| {
            let missing: Vec<_> = needs
                .iter()
                .filter(|(program, _)| !on_path(program) && !in_ci())
                .collect();
            for (program, package) in &missing {
                match skipped.iter_mut().find(|(p, ..)| p == program) {
                    Some((.., count)) => *count += 1,
                    None => skipped.push((program, package, 1)),
                }
            }
            trial.with_ignored_flag(!missing.is_empty())
        })
        .collect();
    for (program, package, count) in skipped {
        let tests = if count == 1 {
            "test needs"
        } else {
            "tests need"
        };
        eprintln!(
            "skipped: {count} {tests} `{program}`, which is not on the PATH: install Debian's \
             package {package} (with CI=true they fail instead)"
        );
    }
    libtest_mimic::run(&arguments, trials).exit_code()
}

/// Runs an async test on a runtime of its own with two worker threads, as
/// `#[tokio::test(flavor = "multi_thread", worker_threads = 2)]` does.
pub fn block_on(test: impl Future<Output = ()>) -> Result<(), Failed> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failed::from(format!("no runtime: {e}")))?
        .block_on(test);
    Ok(())
}

/// Whether CI runs the tests (`CI` set, and not to `false` or `0`), where nothing is skipped.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Whether an executable `program` is in a directory of the `PATH`.
fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| {
        std::fs::metadata(dir.join(program))
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}
