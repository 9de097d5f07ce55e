//! Get-modify-put: change a cart without losing what the change did not touch, and without
//! applying it twice.

use uuid::Uuid;

use super::refs::CartRef;
use crate::error::Error;
use crate::ids::{OperationIds, RequestId};
use crate::pipeline::Sending;
use crate::retry::{Again, Round, Rounds};
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
    /// When the cart has an etag, the PUT is conditional on it (`If-Match`, a precaution of
    /// this crate's: no cart page documents etags). If the service judges that the cart changed
    /// in between (412, or 409 with code 800064 after the retries), nothing of this change is
    /// in, so the cart is read again and `change` applied again, after a random wait that
    /// grows with each round, for as long as the retry policy's time budget allows (or
    /// [`max_modify_rounds`](crate::retry::RetryPolicy::max_modify_rounds)). So `change` should
    /// describe the change ("one more"), not its result ("three").
    ///
    /// What the result means for the change:
    ///
    /// - `Ok`: the change was made exactly once.
    /// - An error with [`Effect::None`](crate::error::Effect::None): it was not made. If
    ///   [`is_retryable`](Error::is_retryable), calling `modify` again later is safe.
    /// - An error whose [`outcome_unknown`](Error::outcome_unknown) is true: the PUT was sent
    ///   and its answer lost, so the change may be in. Do not call `modify` again, which would
    ///   apply it twice: [`PartnerCenter::resend`](crate::PartnerCenter::resend) sends that
    ///   same PUT again (same `MS-RequestId`, body and `If-Match`), and the service answers
    ///   with its outcome; or read the cart, compare, and decide.
    ///
    /// # Errors
    ///
    /// As listed above: the GET's or the PUT's, with [`Error::modify_rounds`] when it gave up
    /// after others kept changing the cart.
    ///
    /// ```no_run
    /// # async fn run(pc: partner_center_carts::PartnerCenter) -> Result<(), partner_center_carts::Error> {
    /// let cart_ref = pc
    ///     .customer("d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d")
    ///     .cart("65faf57b-0205-47ee-92b3-08dcf233ea73");
    /// let cart = match cart_ref.modify(|cart| cart.line_items[0].quantity += 1).await {
    ///     Ok(cart) => Some(cart),
    ///     // The PUT may have landed: send the very same PUT again to learn the outcome.
    ///     Err(e) if e.outcome_unknown() => pc.resend(&e).await?.into_cart(),
    ///     Err(e) => return Err(e),
    /// };
    /// # Ok(()) }
    /// ```
    ///
    /// A change that indexes past the line items panics as it would anywhere; check the cart
    /// in the closure when that can happen.
    pub async fn modify<F>(&self, mut change: F) -> Result<Cart, Error>
    where
        F: FnMut(&mut Cart),
    {
        self.modify_with(None, |cart| {
            change(cart);
            Ok(())
        })
        .await
    }

    /// [`modify`](Self::modify) with a change that can refuse: when `change` returns an error,
    /// nothing is written and that error is returned. Errors of the operations themselves come
    /// back through `E`'s `From<Error>` (as `Box<dyn std::error::Error>`, `anyhow::Error` or
    /// an enum of yours with a variant for [`Error`] do).
    ///
    /// `change` runs again on each new read after a conflict, so it decides on the cart as it
    /// is then.
    ///
    /// # Errors
    ///
    /// `change`'s own error, with nothing written; or [`modify`](Self::modify)'s, through `From`.
    ///
    /// ```no_run
    /// # async fn run(pc: partner_center_carts::PartnerCenter) -> Result<(), Box<dyn std::error::Error>> {
    /// let wanted = "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P";
    /// let cart = pc
    ///     .customer("d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d")
    ///     .cart("65faf57b-0205-47ee-92b3-08dcf233ea73")
    ///     .try_modify(|cart| {
    ///         let Some(line) = cart.line_items.iter_mut().find(|l| l.catalog_item_id == wanted) else {
    ///             return Err(format!("the cart has no line for {wanted}").into());
    ///         };
    ///         line.quantity += 1;
    ///         Ok::<_, Box<dyn std::error::Error>>(())
    ///     })
    ///     .await?;
    /// # let _ = cart; Ok(()) }
    /// ```
    pub async fn try_modify<F, E>(&self, change: F) -> Result<Cart, E>
    where
        F: FnMut(&mut Cart) -> Result<(), E>,
        E: From<Error>,
    {
        self.modify_with(None, change).await
    }

    pub(super) async fn modify_with<F, E>(
        &self,
        mut request_id: Option<RequestId>,
        mut change: F,
    ) -> Result<Cart, E>
    where
        F: FnMut(&mut Cart) -> Result<(), E>,
        E: From<Error>,
    {
        self.pc.refuse_read_then_write("modify")?;
        let shared = &self.pc.shared;
        let started = self.pc.now();
        let correlation = self.pc.correlation_id().unwrap_or_else(Uuid::new_v4);
        // Every request of the modify: its own request id, one correlation id, one time budget.
        let sending = |request_id| Sending {
            ids: OperationIds::new(request_id, Some(correlation)),
            started,
            ..self.pc.sending(None)
        };
        let mut rounds = Rounds::new(Round::Conflict, &shared.retry, &shared.budget, started);
        loop {
            let current = self.get_with(sending(None)).await?;
            let mut changed = current.clone();
            change(&mut changed)?;
            if changed == current {
                return Ok(current);
            }
            // A fixed request id belongs to the first PUT only: once the service has answered
            // it, the next PUT is a new request.
            let put = Sending {
                round: rounds.made() > 0,
                ..sending(request_id.take())
            };
            let error = match self.put_with(changed, put).await {
                Ok(cart) => return Ok(cart),
                Err(e) => e,
            };
            // Only a conflict the service judged, with nothing of ours in, is tried again on a
            // new read. A PUT whose outcome is unknown must not be applied a second time.
            let wait = match rounds.next(&error, self.pc.now()) {
                Again::After(wait) => wait,
                Again::Stop => return Err(error.into()),
                Again::GaveUp => return Err(error.gave_up_after(rounds.made()).into()),
            };
            tracing::info!(
                round = rounds.made(),
                wait_ms = wait.as_millis() as u64,
                error = %error,
                "the cart changed under the update; reading it again"
            );
            shared.clock.sleep(wait).await;
        }
    }
}
