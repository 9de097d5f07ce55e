//! The completion scripts complete: each shell is asked, as it asks when Tab is pressed, for the
//! completions of every command and sub-command of `pc-carts` (what follows `pc-carts cart `)
//! and of their flags (what follows `pc-carts cart get --`), and must offer all that `--help`
//! lists. bash through its completion function, fish through `complete -C`, zsh in a real
//! terminal (tmux). A shell that is not installed is skipped with a notice (`support::needs`);
//! under `CI=true` its absence fails.

mod support;

use std::process::{Command, ExitCode};

use libtest_mimic::{Failed, Trial};
use support::commands::text;
use support::needs;

fn main() -> ExitCode {
    needs::run_each(vec![
        (&[("bash", "bash")], Trial::test("bash", bash)),
        (&[("fish", "fish")], Trial::test("fish", fish)),
        (&[("zsh", "zsh"), ("tmux", "tmux")], Trial::test("zsh", zsh)),
    ])
}

/// The binary under test.
fn pc_carts() -> String {
    env!("CARGO_BIN_EXE_pc-carts").to_string()
}

/// Every command path (`[]`, `["cart"]`, `["cart", "get"]`, ...), with the sub-commands and the
/// long flags its `--help` lists.
fn commands() -> Vec<(Vec<String>, Vec<String>, Vec<String>)> {
    let mut found = Vec::new();
    let mut pending = vec![Vec::<String>::new()];
    while let Some(path) = pending.pop() {
        let help = Command::new(pc_carts())
            .args(&path)
            .arg("--help")
            .output()
            .unwrap();
        let help = text(&help.stdout);
        let mut subcommands = Vec::new();
        let mut in_commands = false;
        let mut flags = Vec::new();
        for line in help.lines() {
            if line.ends_with(':') && !line.starts_with(' ') {
                in_commands = line == "Commands:";
                continue;
            }
            let word = line.split_whitespace().next().unwrap_or("");
            if in_commands && line.starts_with("  ") && !line.starts_with("   ") && word != "help" {
                subcommands.push(word.to_string());
            }
            let option = line.trim_start();
            let option = option.split_once(", ").map_or(option, |(_, long)| long);
            let indent = line.len() - line.trim_start().len();
            if (2..=6).contains(&indent) && option.starts_with("--") {
                let flag: String = option
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                flags.push(flag);
            }
        }
        for sub in &subcommands {
            let mut deeper = path.clone();
            deeper.push(sub.clone());
            pending.push(deeper);
        }
        found.push((path, subcommands, flags));
    }
    assert!(found.len() > 15, "{} command paths read", found.len());
    found
}

/// Checks that `complete(words, current)` offers every sub-command after each command, and
/// every flag after `--`.
fn check(shell: &str, complete: impl Fn(&[String], &str) -> Vec<String>) -> Result<(), Failed> {
    let mut missing = Vec::new();
    for (path, subcommands, flags) in commands() {
        for (current, wanted) in [("", &subcommands), ("--", &flags)] {
            if wanted.is_empty() {
                continue;
            }
            let offered = complete(&path, current);
            for word in wanted {
                if !offered.contains(word) {
                    missing.push(format!(
                        "`pc-carts {} {current}` lacks {word}",
                        path.join(" ")
                    ));
                }
            }
        }
    }
    match missing.is_empty() {
        true => Ok(()),
        false => Err(format!("{shell}:\n{}", missing.join("\n")).into()),
    }
}

fn bash() -> Result<(), Failed> {
    check("bash", |path, current| {
        let words: Vec<String> = std::iter::once("pc-carts".to_string())
            .chain(path.iter().cloned())
            .chain([current.to_string()])
            .collect();
        let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let previous = &words[words.len() - 2];
        let script = format!(
            "source <('{bin}' completions bash)\n\
             COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_LINE='{line}'; \
             COMP_POINT=${{#COMP_LINE}}\n\
             _pc__carts pc-carts '{current}' '{previous}'\n\
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            bin = pc_carts(),
            words = quoted.join(" "),
            cword = words.len() - 1,
            line = words.join(" "),
        );
        let output = Command::new("bash").arg("-c").arg(script).output().unwrap();
        text(&output.stdout).lines().map(str::to_string).collect()
    })
}

fn fish() -> Result<(), Failed> {
    check("fish", |path, current| {
        let line = format!("pc-carts {} {current}", path.join(" "));
        let script = format!(
            "'{}' completions fish | source; complete -C '{}'",
            pc_carts(),
            line.replace("  ", " ")
        );
        let output = Command::new("fish")
            .args(["--no-config", "-c", &script])
            .output()
            .unwrap();
        // Each line a candidate and, after a tab, its description.
        text(&output.stdout)
            .lines()
            .map(|l| l.split('\t').next().unwrap_or("").to_string())
            .collect()
    })
}

/// zsh offers completions only to a person at a terminal: one in tmux, Tab pressed after each
/// command, the list it shows read off the screen.
fn zsh() -> Result<(), Failed> {
    let session = format!("pc-carts-zsh-{}", uuid::Uuid::new_v4().simple());
    let tmux = |args: &[&str]| Command::new("tmux").args(args).output().unwrap();
    let started = tmux(&[
        "new-session",
        "-d",
        "-x",
        "250",
        "-y",
        "100",
        "-s",
        &session,
        "zsh",
        "-f",
    ]);
    if !started.status.success() {
        return Err(format!("tmux: {}", text(&started.stderr)).into());
    }
    let screen = || text(&tmux(&["capture-pane", "-p", "-t", &session]).stdout);
    // The screen once `shows` holds for it, or after 10 s.
    let screen_once = |shows: &dyn Fn(&str) -> bool| {
        let mut seen = screen();
        for _ in 0..100 {
            if shows(&seen) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
            seen = screen();
        }
        seen
    };
    let setup = format!(
        "PS1='ready> '; autoload -U compinit && compinit -u; source <('{}' completions zsh); \
         LISTMAX=1000; clear",
        pc_carts()
    );
    tmux(&["send-keys", "-t", &session, &setup, "Enter"]);
    let ready = screen_once(&|s| s.trim_end().ends_with("ready>"));
    let result = if !ready.trim_end().ends_with("ready>") {
        Err(format!("zsh did not start: {ready}").into())
    } else {
        check("zsh", |path, current| {
            let line = format!("pc-carts {} {current}", path.join(" ")).replace("  ", " ");
            tmux(&["send-keys", "-t", &session, "-l", &line]);
            tmux(&["send-keys", "-t", &session, "Tab"]);
            // The list shows below the line once zsh has answered; then the line is dropped.
            let mut shown = screen_once(&|s| s.trim_end().lines().count() > 1);
            // zsh may draw a long list in parts (seen on a loaded machine): the screen is read
            // until two reads 200 ms apart agree.
            for _ in 0..50 {
                std::thread::sleep(std::time::Duration::from_millis(200));
                let again = screen();
                if again == shown {
                    break;
                }
                shown = again;
            }
            tmux(&["send-keys", "-t", &session, "C-c"]);
            tmux(&["send-keys", "-t", &session, "clear", "Enter"]);
            screen_once(&|s| s.trim_end() == "ready>");
            shown
                .split_whitespace()
                .map(|w| w.trim_end_matches(':').to_string())
                .collect()
        })
    };
    tmux(&["kill-session", "-t", &session]);
    result
}
