//! `pc-carts emulator`: the emulator as a long-running server.

use std::time::Duration;

use partner_center_carts::emulator::{Emulator, Faults};
use secrecy::ExposeSecret;
use tokio::net::TcpListener;

use crate::Failure;
use crate::args::EmulatorArgs;

pub async fn run(args: EmulatorArgs) -> Result<(), Failure> {
    let mut faults = Faults::none()
        .throttle(args.throttle)
        .retry_after(Duration::from_secs(args.retry_after))
        .unavailable(args.unavailable)
        .lost_answers(args.lost_answers)
        .latency(Duration::from_millis(args.latency_ms));
    if let Some(seed) = args.seed {
        faults = faults.seed(seed);
    }
    let listener = TcpListener::bind(args.listen)
        .await
        .map_err(|e| Failure::Other(format!("cannot listen on {}: {e}", args.listen)))?;
    let tokens = if args.token.is_some() {
        "only the token given is accepted"
    } else {
        "any bearer token is accepted"
    };
    eprintln!(
        "Partner Center emulator on http://{} ({tokens}; Ctrl-C stops it)",
        listener.local_addr()?
    );
    let mut emulator = Emulator::new()
        .faults(faults)
        .byte_order_mark(!args.no_bom)
        .provisioning_delay(Duration::from_millis(args.provisioning_delay_ms));
    if let Some(token) = args.token {
        emulator = emulator.accept_only_token(token.expose_secret());
    }
    emulator
        .serve(listener, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
