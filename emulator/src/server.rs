//! The emulator's connections: at most so many at once, each given so long for a request's
//! headers, so that slow or idle clients cannot hold the server for the others.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// How long a stopping emulator waits at most for the requests and writes under way to finish.
pub const SHUTDOWN_WAIT: Duration = Duration::from_secs(30);

/// Serves `app` on `listener` until `shutdown` completes, then waits for the connections under
/// way to finish their requests, [`SHUTDOWN_WAIT`] at most.
///
/// At most `connections` at once: past it the next one is not accepted until one ends, and
/// waits in the listening socket's queue. Each has `header_timeout` for a request's headers,
/// counted from its opening or the end of its last answer; a connection that takes longer is
/// closed.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    connections: usize,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(connections));
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot,
            () = &mut shutdown => break,
        };
        let Ok(slot) = slot else { break };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            // Out of file descriptors (a limit below `connections`), or a connection reset
            // before it was accepted: the next accept may succeed once another has ended.
            Err(e) => {
                tracing::warn!(error = %e, "a connection could not be accepted");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A connection ends with an error when its client goes away or is too slow: both
            // are the client's business, and the slot is free again either way.
            let _ = connection.await;
            drop(slot);
        });
    }
    if tokio::time::timeout(SHUTDOWN_WAIT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still under way after {SHUTDOWN_WAIT:?} were cut off");
    }
    Ok(())
}
