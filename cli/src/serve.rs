//! `pc-carts emulator`: the emulator as a long-running server.

use std::time::Duration;

use partner_center_carts_emulator::{Catalog, Emulator, Faults, Limits};
use secrecy::ExposeSecret;
use tokio::net::TcpListener;

use crate::args::EmulatorArgs;
use crate::failure::Failure;

const MIB: usize = 1024 * 1024;

pub async fn run(args: EmulatorArgs) -> Result<(), Failure> {
    keep_large_allocations_apart();
    let mut faults = Faults::none()
        .throttle(args.throttle)
        .retry_after(Duration::from_secs(args.retry_after))
        .unavailable(args.unavailable)
        .lost_answers(args.lost_answers)
        .busy(args.busy)
        .order_in_progress(args.order_in_progress)
        .latency(Duration::from_millis(args.latency_ms));
    if let Some(seed) = args.seed {
        faults = faults.seed(seed);
    }
    if let Some(rate) = args.tenant_rate {
        faults = faults.tenant_rate_limit(rate);
    }
    if let Some(rate) = args.customer_rate {
        faults = faults.customer_rate_limit(rate);
    }
    let limits = Limits::default()
        .cart_lifetime(Duration::from_secs(args.cart_lifetime_secs))
        .carts(args.carts_mib.saturating_mul(MIB))
        .orders(args.orders_mib.saturating_mul(MIB))
        .subscriptions(args.subscriptions_mib.saturating_mul(MIB))
        .replays(args.replays_mib.saturating_mul(MIB))
        .log(args.log_kib.saturating_mul(1024))
        .body(args.max_body_mib.saturating_mul(MIB))
        .in_flight(args.in_flight_mib.saturating_mul(MIB))
        .connections(args.max_connections as usize)
        .header_timeout(Duration::from_secs(args.header_timeout_secs))
        .body_timeout(Duration::from_secs(args.body_timeout_secs));
    let mut emulator = Emulator::new()
        .faults(faults)
        .limits(limits)
        .byte_order_mark(!args.no_bom)
        .etags(args.etags)
        .require_mfa(args.require_mfa)
        .provisioning_delay(Duration::from_millis(args.provisioning_delay_ms))
        .order_listing_delay(Duration::from_millis(args.order_listing_delay_ms));
    if let Some(token) = &args.token {
        emulator = emulator.accept_only_token(token.expose_secret());
    }
    if let Some(path) = &args.catalog {
        let catalog = Catalog::from_file(path).map_err(|e| Failure::Other(e.to_string()))?;
        emulator = emulator.catalog(catalog);
    }
    let kept = match &args.data_dir {
        Some(dir) => {
            emulator = emulator.data_dir(dir);
            format!("state kept in {}", dir.display())
        }
        None => "state in memory only".to_string(),
    };
    let listener = TcpListener::bind(args.listen)
        .await
        .map_err(|e| Failure::Other(format!("cannot listen on {}: {e}", args.listen)))?;
    let tokens = if args.token.is_some() {
        "only the token given is accepted"
    } else {
        "any bearer token is accepted"
    };
    // Started (its data directory read) before it says where it is, so a supervisor that
    // waits for the line finds it ready.
    let running = emulator
        .start_on(listener)
        .await
        .map_err(|e| Failure::Other(format!("the emulator cannot start: {e}")))?;
    // Listening for the stop before it says it is ready: a stop asked for as soon as it is
    // must not find the signals' default action (death) still in place.
    let stop = stop_signal();
    // Its URL alone on standard output, for a script; the rest for a person, on stderr.
    crate::print::outln!("{}", running.url());
    crate::print::err!(
        "Partner Center emulator on {} ({tokens}; {kept}; Ctrl-C or SIGTERM stops it)\n",
        running.url()
    );
    // The tenant's rate as scheduled, until stopped.
    let steps = args.tenant_rate_schedule.map(|s| s.0).unwrap_or_default();
    let customer = args.customer_rate.unwrap_or(0.0);
    let started = tokio::time::Instant::now();
    let scheduled = async {
        for (secs, rate) in steps {
            tokio::time::sleep_until(started + Duration::from_secs(secs)).await;
            running.set_rate_limits(rate, customer);
            crate::print::err!("the tenant's rate is now {rate} a second (0: no limit)\n");
        }
        std::future::pending::<()>().await
    };
    tokio::select! {
        () = stop => {}
        () = scheduled => {}
    }
    crate::print::err!(
        "stopping: the requests under way are finished ({} s at most)\n",
        partner_center_carts_emulator::SHUTDOWN_WAIT.as_secs()
    );
    running.shutdown().await;
    Ok(())
}

/// Ctrl-C (SIGINT), or SIGTERM: how a supervisor (systemd, a container runtime) asks a service
/// to stop. Both are listened for from the call on, before the returned future is awaited.
fn stop_signal() -> impl Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let (interrupt, terminate) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    );
    async move {
        match (interrupt, terminate) {
            (Ok(mut interrupt), Ok(mut terminate)) => {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            }
            // No signal handling to be had: Ctrl-C's own, as before.
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
}

/// Carts of megabytes come and go; glibc, by default, raises its mmap threshold to the size of
/// the largest block freed, after which those blocks are carved from its heaps, which then
/// fragment: under a 1% share of 2 MB carts the server's peak resident set went from 121 MiB to
/// 206 MiB. A fixed threshold (128 KiB, glibc's initial one) keeps large blocks in their own
/// mappings, returned to the system when freed.
fn keep_large_allocations_apart() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; glibc documents it as safe to call at
    // any time, and a refusal (0) leaves the default in place.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}
