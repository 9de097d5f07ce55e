//! `pc-carts`: the Partner Center carts client on the command line.

mod args;
mod auth;
mod bulk;
mod carts;
mod catalog;
mod demo;
mod failure;
mod limits;
mod orders;
mod output;
mod print;
mod query;
mod serve;
mod subscriptions;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use args::{Cli, Command, CompletionShell, Connection};

fn main() -> ExitCode {
    empty_variables_unset();
    // Bad arguments end here, with clap's usage message and exit code 2, and so do options that
    // cannot go together, before anything is sent. Help and the version are answers: written
    // as every answer is, so that a closed or full standard output is an error (exit 1).
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e)
            if matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            ) =>
        {
            print::out!("{}", e.render());
            return ExitCode::SUCCESS;
        }
        Err(e) => e.exit(),
    };
    let sends_id = cli
        .command
        .connection()
        .is_some_and(|c| c.request_id.is_some());
    if sends_id && !cli.command.writes() {
        <Cli as clap::CommandFactory>::command()
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                "--request-id is for a command that writes (create, update, put, checkout, \
                 cancel, addon, set, transition): this one only reads",
            )
            .exit();
    }
    if let Some(conflict) = cli.command.connection().and_then(Connection::conflict) {
        <Cli as clap::CommandFactory>::command()
            .error(clap::error::ErrorKind::ArgumentConflict, conflict)
            .exit();
    }
    // Diagnostics go to stderr, filtered by RUST_LOG, else by -v: retries, waits and
    // throttling at `info`, every attempt at `debug`; the emulator logs one line per request at
    // `info`. By default only the emulator's warnings show: the client's own (a partial
    // checkout) the commands already report in their output.
    let verbosity = match cli.verbose {
        // A batch's journal warnings (an outcome it could not keep) are in no result line.
        0 if matches!(cli.command, Command::Bulk(_)) => {
            "partner_center_carts::journal=warn,partner_center_carts::bulk=warn"
        }
        0 => "partner_center_carts_emulator=warn",
        1 => "partner_center_carts=info,partner_center_carts_emulator=info",
        _ => "partner_center_carts=debug,partner_center_carts_emulator=debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(verbosity)),
        )
        .with_writer(std::io::stderr)
        .with_ansi(cli.color.enabled(std::io::stderr().is_terminal()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            print::err!("error: cannot start the async runtime: {e}\n");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        let done = match cli.command {
            // Its exit code is its batch's (`bulk --help`).
            Command::Bulk(args) => return bulk::run(args).await,
            Command::Demo => demo::run().await,
            Command::Completions { shell } => {
                print::out!("{}", completions(shell));
                Ok(())
            }
            Command::Emulator(args) => serve::run(args).await,
            Command::Cart(command) => {
                let about = command.about();
                carts::run(command).await.map_err(|f| f.about(about))
            }
            Command::Order(command) => {
                let about = command.about();
                orders::run(command).await.map_err(|f| f.about(about))
            }
            Command::Subscription(command) => {
                let about = command.about();
                subscriptions::run(command)
                    .await
                    .map_err(|f| f.about(about))
            }
            Command::Auth(command) => auth::run(command).await,
            Command::Catalog(command) => catalog::run(command).await,
            Command::Limits(args) => limits::run(args).await,
        };
        done.map(|()| ExitCode::SUCCESS)
    });
    match outcome {
        Ok(code) => code,
        Err(failure) => {
            print::err!("{failure}");
            failure.exit_code()
        }
    }
}

/// One rule for the `PARTNER_CENTER_*` variables, the library's: an empty one counts as unset
/// (`PARTNER_CENTER_BASE_URL=` means the default URL, not an empty one), for the flags clap
/// reads from them too.
fn empty_variables_unset() {
    for (name, value) in std::env::vars_os() {
        if value.is_empty()
            && name
                .to_str()
                .is_some_and(|n| n.starts_with("PARTNER_CENTER_"))
        {
            // SAFETY: the first thing main does, before any other thread is started: nothing
            // reads the environment meanwhile.
            unsafe { std::env::remove_var(name) };
        }
    }
}

/// The completion script for `shell`.
fn completions(shell: CompletionShell) -> String {
    fn script(generator: impl clap_complete::Generator) -> String {
        let mut command = <Cli as clap::CommandFactory>::command();
        let mut script = Vec::new();
        clap_complete::generate(generator, &mut command, "pc-carts", &mut script);
        String::from_utf8_lossy(&script).into_owned()
    }
    match shell {
        // clap_complete (4.6.12 and before) names the branches of a binary with a hyphen in its
        // name `pc__subcmd__carts_...` but looks for `pc__carts_...` (clap-rs/clap #6421), so
        // nothing below the top level would complete. No sub-command has a hyphen.
        CompletionShell::Bash => {
            script(clap_complete::Shell::Bash).replace("pc__subcmd__carts", "pc__carts")
        }
        CompletionShell::Elvish => script(clap_complete::Shell::Elvish),
        CompletionShell::Fish => script(clap_complete::Shell::Fish),
        CompletionShell::Nushell => script(clap_complete_nushell::Nushell),
        CompletionShell::Powershell => script(clap_complete::Shell::PowerShell),
        CompletionShell::Zsh => script(clap_complete::Shell::Zsh),
    }
}
