//! Get-modify-put: change a cart without losing what the change did not touch.

use uuid::Uuid;

use super::CartRef;
use crate::Error;
use crate::headers::OperationIds;
use crate::types::Cart;

impl CartRef {
    /// Gets the cart, runs `change` on it, and puts it back if `change` changed anything;
    /// returns the service's answer (or the cart as read, when nothing changed and no PUT was
    /// sent).
    ///
    /// Nothing `change` does not touch is lost: fields this crate does not know, values of
    /// open enumerations it has never seen, `provisioningContext` keys, all go back exactly as
    /// they came. The GET and the PUT share one `MS-CorrelationId`, each with its own
    /// `MS-RequestId`.
    ///
    /// When the cart has an etag, the PUT is conditional on it; if the cart changed in
    /// between (412, or 409 with code 800064), the cart is read again and `change` applied
    /// again, up to [`RetryPolicy::max_modify_rounds`](crate::retry::RetryPolicy::max_modify_rounds)
    /// times. So `change` should describe the change ("one more"), not its result ("three").
    ///
    /// ```no_run
    /// # async fn run(pc: partner_center_carts::PartnerCenter) -> Result<(), partner_center_carts::Error> {
    /// let cart = pc
    ///     .customer("d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d")
    ///     .cart("65faf57b-0205-47ee-92b3-08dcf233ea73")
    ///     .modify(|cart| cart.line_items[0].quantity += 1)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// A change that indexes past the line items panics as it would anywhere; check the cart
    /// in the closure when that can happen.
    pub async fn modify<F>(&self, change: F) -> Result<Cart, Error>
    where
        F: FnMut(&mut Cart),
    {
        self.modify_with(None, change).await
    }

    pub(super) async fn modify_with<F>(
        &self,
        mut request_id: Option<Uuid>,
        mut change: F,
    ) -> Result<Cart, Error>
    where
        F: FnMut(&mut Cart),
    {
        let shared = &self.pc.shared;
        let correlation = self.pc.correlation_id().unwrap_or_else(Uuid::new_v4);
        let read = || self.get_with(OperationIds::new(None, Some(correlation)));
        let mut current = read().await?;
        let mut round = 0;
        loop {
            round += 1;
            let mut changed = current.clone();
            change(&mut changed);
            if changed == current {
                return Ok(current);
            }
            // A fixed request id belongs to the first PUT only: once the service has answered
            // it, the next PUT is a new request.
            let ids = OperationIds::new(request_id.take(), Some(correlation));
            match self.put_with(&changed, ids).await {
                Err(e) if e.is_conflict() && round < shared.retry.modify_rounds() => {
                    let wait = shared.retry.conflict_backoff(round);
                    tracing::info!(
                        round,
                        wait_ms = wait.as_millis() as u64,
                        error = %e,
                        "the cart changed under the update; reading it again"
                    );
                    shared.clock.sleep(wait).await;
                    current = read().await?;
                    // An earlier attempt of this PUT may have been applied and its answer lost,
                    // and its retry then refused because of our own write. If the cart now is
                    // what we wrote, the change is in: applying it again would apply it twice.
                    if e.attempts() > 1 && is_written(&current, &changed) {
                        return Ok(current);
                    }
                }
                result => return result,
            }
        }
    }
}

/// Whether `read` is `written` as the service would store it: equal but for what the service
/// assigns on every write.
fn is_written(read: &Cart, written: &Cart) -> bool {
    let mut assigned = written.clone();
    assigned.last_modified_timestamp = read.last_modified_timestamp.clone();
    assigned.last_modified_user = read.last_modified_user.clone();
    if let (Some(mine), Some(theirs)) = (assigned.attributes.as_mut(), read.attributes.as_ref()) {
        mine.etag = theirs.etag.clone();
    }
    assigned == *read
}
