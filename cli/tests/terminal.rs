//! `pc-carts` in a real terminal (tmux), as an operator types it. tmux is Debian's package
//! `tmux`: where it is not installed these tests are skipped with a notice (counted as
//! ignored), and under `CI=true`, where it must be, they fail. Their own harness
//! (libtest-mimic) so that the skip is decided when they run, as the built-in one cannot.

mod support;

use std::process::ExitCode;
use std::sync::Arc;

use libtest_mimic::Trial;
use partner_center_carts::clock::VirtualClock;
use partner_center_carts_emulator::Emulator;
use support::commands::*;
use support::{CUSTOMER, needs};

fn main() -> ExitCode {
    needs::run(
        "tmux",
        "tmux",
        vec![
            Trial::test("order_wait_shows_its_progress_in_a_terminal", || {
                needs::block_on(order_wait_shows_its_progress_in_a_terminal())
            }),
            Trial::test(
                "the_logs_are_coloured_on_a_terminal_unless_no_color",
                || needs::block_on(the_logs_are_coloured_on_a_terminal_unless_no_color()),
            ),
            Trial::test(
                "in_a_terminal_pipelines_and_queries_work_with_the_customer_from_the_environment",
                || {
                    needs::block_on(
                        in_a_terminal_pipelines_and_queries_work_with_the_customer_from_the_environment(),
                    )
                },
            ),
        ],
    )
}

/// A command line run in a real terminal: a detached tmux session, killed when dropped.
struct Terminal(String);

impl Terminal {
    /// Runs `line` through the shell (bash) in a terminal 200 columns wide and `rows` high.
    fn run(line: &str, rows: u16) -> Self {
        let session = Self(format!("pc-carts-{}", uuid::Uuid::new_v4().simple()));
        let started = session.tmux(&[
            "new-session",
            "-d",
            "-x",
            "200",
            "-y",
            &rows.to_string(),
            "-s",
            &session.0,
            "bash",
            "-c",
            line,
        ]);
        assert!(started.status.success(), "{}", text(&started.stderr));
        session
    }

    /// The screen, once `shows` holds for it or after 20 s.
    async fn screen_once(&self, shows: impl Fn(&str) -> bool) -> String {
        self.screen_with(&[], shows).await
    }

    /// The screen with its colours (as escape sequences), once `shows` holds for it or after
    /// 20 s.
    async fn coloured_screen_once(&self, shows: impl Fn(&str) -> bool) -> String {
        self.screen_with(&["-e"], shows).await
    }

    async fn screen_with(&self, flags: &[&str], shows: impl Fn(&str) -> bool) -> String {
        let mut screen = String::new();
        for _ in 0..200 {
            let capture = [&["capture-pane", "-p", "-t", &self.0][..], flags].concat();
            screen = text(&self.tmux(&capture).stdout);
            if shows(&screen) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        screen
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new("tmux")
            .args(args)
            .output()
            .expect("tmux runs (it is on the machine; .ci/run installs it if not)")
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        self.tmux(&["kill-session", "-t", &self.0]);
    }
}

/// `order wait` in a real terminal (tmux) shows a progress line while it waits.
async fn order_wait_shows_its_progress_in_a_terminal() {
    // The emulator's clock stands still: the order is pending at every poll, however slow
    // the machine, until the test moves the clock.
    let clock = Arc::new(VirtualClock::new());
    let hour = std::time::Duration::from_secs(3600);
    let emulator = Emulator::new().clock(clock.clone());
    let (emulator, order) = an_order_of(emulator, hour, "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P").await;
    let bin = assert_cmd::cargo::cargo_bin("pc-carts");
    let line = format!(
        "{} order wait --base-url {} --token t --customer {CUSTOMER} --order {order} --timeout 30 \
         --output none; sleep 30",
        bin.display(),
        emulator.url()
    );
    // Until the progress line shows, or 20 s.
    let screen = Terminal::run(&line, 10)
        .screen_once(|screen| screen.contains("line items still provisioning"))
        .await;
    assert!(
        screen.contains(&format!(
            "waiting for order {order}: 1 of 1 line items still provisioning"
        )),
        "{screen}"
    );
}

/// In a real terminal (tmux), as an operator types them, with the customer, the service and
/// the token from the environment only: an answer piped to a reader that has gone ends the
/// command quietly with 141 (`| true`, which exits before the order is provisioned and
/// written), an answer cut short by `head -c 10` shows its start, and a query prints what it
/// selects. No panic, no "Broken pipe" anywhere on the screen.
async fn in_a_terminal_pipelines_and_queries_work_with_the_customer_from_the_environment() {
    // The order is provisioned when the test moves the emulator's clock: after the wait's
    // first poll, so `true` has long exited when the wait writes (2 s later, at its next poll).
    let clock = Arc::new(VirtualClock::new());
    let hour = std::time::Duration::from_secs(3600);
    let emulator = Emulator::new().clock(clock.clone());
    let (emulator, order) = an_order_of(emulator, hour, "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P").await;
    let pc = emulator.client().build().unwrap();
    let cart = pc
        .customer(CUSTOMER)
        .create(&support::one_line_cart(7))
        .await
        .unwrap();
    let cart = cart.id();
    let bin = assert_cmd::cargo::cargo_bin("pc-carts");
    let bin = bin.display();
    let line = format!(
        "export PARTNER_CENTER_CUSTOMER_ID={CUSTOMER} PARTNER_CENTER_BASE_URL={} \
         PARTNER_CENTER_TOKEN=t; \
         {bin} order wait --order {order} -o json | true; echo \"wait=${{PIPESTATUS[0]}}\"; \
         {bin} cart get --cart {cart} -o json | head -c 10; echo; echo \"head=${{PIPESTATUS[0]}}\"; \
         {bin} cart get --cart {cart} --query 'lineItems[0].quantity'; echo \"query=$?\"; \
         sleep 30",
        emulator.url()
    );
    let terminal = Terminal::run(&line, 40);
    // 20 s at most for the first poll (it comes at once); the screen is read either way.
    for _ in 0..200 {
        if status_polls(&emulator, &order) >= 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    clock.advance(hour);
    let screen = terminal
        .screen_once(|screen| screen.contains("query="))
        .await;

    assert!(screen.contains("wait=141"), "{screen}");
    let whole = pc_carts_at(&emulator.url(), &["cart", "get", "--customer", CUSTOMER])
        .args(["--cart", cart, "-o", "json"])
        .output()
        .unwrap();
    let start: String = text(&whole.stdout).chars().take(10).collect();
    assert!(
        screen.contains(&format!("{start}\nhead=0"))
            || screen.contains(&format!("{start}\nhead=141")),
        "{screen}"
    );
    assert!(screen.contains("7\nquery=0"), "{screen}");
    for never in ["panicked", "Broken pipe", "error"] {
        assert!(!screen.contains(never), "{never}: {screen}");
    }
}

/// The `-vv` logs on a terminal are coloured, but not with `NO_COLOR` set nor with
/// `--color never`; `--color always` colours them whatever `NO_COLOR` says.
async fn the_logs_are_coloured_on_a_terminal_unless_no_color() {
    let emulator = Emulator::new().start().await.unwrap();
    let bin = assert_cmd::cargo::cargo_bin("pc-carts");
    let get = format!(
        "{} -vv cart get --base-url {} --token t --customer {CUSTOMER} --cart {CUSTOMER}",
        bin.display(),
        emulator.url()
    );
    // An escape sequence that sets a colour or an attribute, as tmux reports what is shown.
    let coloured = |screen: &str| screen.contains("\u{1b}[");
    for (before, after, colour) in [
        ("", "", true),
        ("NO_COLOR=1 ", "", false),
        ("", " --color never", false),
        ("NO_COLOR=1 ", " --color always", true),
    ] {
        let line = format!("{before}{get}{after}; echo finished; sleep 30");
        let screen = Terminal::run(&line, 40)
            .coloured_screen_once(|screen| screen.contains("finished"))
            .await;
        assert!(
            screen.contains("finished") && screen.contains("404"),
            "{line}: {screen}"
        );
        assert_eq!(coloured(&screen), colour, "{line}: {screen:?}");
    }
}
