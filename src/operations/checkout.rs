//! Checking a cart out, and what it placed.

use super::checks::Answer;
use super::refs::{CartRef, Customer, OrderRef};
use crate::error::{Error, Unconfirmed};
use crate::generated::{Client, Operation};
use crate::ids::OperationIds;
use crate::pipeline::Sending;
use crate::retry::{Again, Round, Rounds};
use crate::types::{CartCheckoutResult, Order, OrderError};

/// What a checkout placed: its orders, and the order groups that could not be placed.
///
/// A checkout places one order per order group, and some groups can fail while others are
/// placed. Such a partial checkout is still a success, since orders were placed, so it is not
/// an error; but it cannot be missed: this value is `#[must_use]`, a partial checkout logs a
/// warning, and [`is_complete`](Self::is_complete) says whether every group was placed. A
/// checkout that placed nothing is an error ([`ErrorKind::NothingOrdered`](crate::ErrorKind::NothingOrdered)), with the order
/// errors.
///
/// ```no_run
/// # async fn run(cart: partner_center_carts::CartRef) -> Result<(), partner_center_carts::Error> {
/// let outcome = cart.checkout().await?;
/// for order in outcome.orders() {
///     println!("placed order {}", order.id.as_deref().unwrap_or("?"));
/// }
/// if !outcome.is_complete() {
///     for failed in outcome.order_errors() {
///         eprintln!("not placed: order group {:?}: {:?}", failed.order_group_id, failed.code);
///     }
/// }
/// # Ok(()) }
/// ```
#[must_use = "a checkout may have placed only some of its orders: look at is_complete()"]
#[derive(Clone, Debug)]
pub struct CheckoutOutcome {
    /// The customer whose cart it was, for the orders' own operations.
    customer: Customer,
    result: CartCheckoutResult,
}

/// Two outcomes are equal when the service's answers are.
impl PartialEq for CheckoutOutcome {
    fn eq(&self, other: &Self) -> bool {
        self.result == other.result
    }
}

impl CheckoutOutcome {
    /// The orders placed, each ready for its own operations: its details, its provisioning,
    /// its activation links and the subscriptions it created.
    ///
    /// ```no_run
    /// # async fn run(cart: partner_center_carts::CartRef) -> Result<(), partner_center_carts::Error> {
    /// use std::time::Duration;
    ///
    /// let outcome = cart.checkout().await?;
    /// for order in outcome.order_refs() {
    ///     order.wait_until_provisioned(Duration::from_secs(600)).await?;
    ///     for subscription in order.subscriptions().await?.subscriptions() {
    ///         println!("{} x {:?}", subscription.id(), subscription.quantity);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn order_refs(&self) -> Vec<OrderRef> {
        self.orders()
            .iter()
            .map(|order| self.customer.order(order.id()))
            .collect()
    }

    /// The orders placed, one per order group that succeeded; never empty.
    pub fn orders(&self) -> &[Order] {
        self.result.orders()
    }

    /// Why each of the order groups that failed could not be placed; empty when all were.
    pub fn order_errors(&self) -> &[OrderError] {
        self.result.order_errors()
    }

    /// Whether every order group was placed.
    pub fn is_complete(&self) -> bool {
        self.order_errors().is_empty()
    }

    /// The service's answer, as it came (unknown fields included).
    pub fn result(&self) -> &CartCheckoutResult {
        &self.result
    }

    /// The service's answer, as it came.
    pub fn into_result(self) -> CartCheckoutResult {
        self.result
    }
}

/// What the caller of a checkout refused with 800065 can do.
const ALREADY_SUBMITTED: &str = "the cart was already checked out, by an earlier checkout of \
     it (perhaps this caller's own, whose answer was lost), and its orders were placed then: \
     send that earlier checkout again as the same request for its answer (pc.resend with its \
     error, or with_request_id with its MS-RequestId), or find them among the customer's orders \
     by the cart's lines (cart.find_orders(), or pc-carts cart orders; a new order can take \
     minutes to be listed)";

impl CartRef {
    /// Checks the cart out (`POST /v1/customers/{customer-id}/carts/{cart-id}/checkout`),
    /// placing one order per order group.
    ///
    /// - `Ok` means orders were placed: all groups, or some (see [`CheckoutOutcome`]).
    /// - [`ErrorKind::NothingOrdered`](crate::ErrorKind::NothingOrdered): the service placed no order, and says why per group.
    /// - While the service says the cart is busy (409 with 800064 or 800060, an earlier checkout
    ///   of it still in progress), the checkout waits and asks again, within the retry
    ///   policy's time budget. A checkout is idempotent per cart, so asking again is safe: the
    ///   service answers with the first checkout's result.
    /// - 400 with 800065: the cart was already checked out; the error says what to do.
    /// - An error whose [`outcome_unknown`](Error::outcome_unknown) is true may have placed
    ///   the orders: [`PartnerCenter::resend`](crate::PartnerCenter::resend) sends the same
    ///   request again and gets its answer ([`Settled::Checkout`](crate::Settled::Checkout)).
    ///
    /// # Errors
    ///
    /// As listed above; otherwise the operation's own, as
    /// [`Error`] describes them: its kind, its effect on the service's state, and what to do.
    pub async fn checkout(&self) -> Result<CheckoutOutcome, Error> {
        self.checkout_with(self.pc.sending(None), None).await
    }

    /// [`checkout`](Self::checkout), naming a user of the customer's tenant
    /// (`x-ms-customeruser-upn`, as the .NET SDK's `CheckoutAsync(customerUserUpn)` sends it)
    /// for the licences the orders assign.
    ///
    /// # Errors
    ///
    /// As [`checkout`](Self::checkout)'s, and
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) when the user name cannot be
    /// sent in a header.
    pub async fn checkout_for_user(
        &self,
        customer_user_upn: &str,
    ) -> Result<CheckoutOutcome, Error> {
        self.checkout_with(self.pc.sending(None), Some(customer_user_upn))
            .await
    }

    pub(super) async fn checkout_with(
        &self,
        first: Sending,
        customer_user_upn: Option<&str>,
    ) -> Result<CheckoutOutcome, Error> {
        const OP: Operation = Operation::CheckoutCart;
        let (customer, cart) = self.checked_ids(OP)?;
        let shared = &self.pc.shared;
        let started = first.started;
        let mut rounds = Rounds::new(Round::Busy, &shared.retry, &shared.budget, started);
        // Requests sent by earlier rounds.
        let mut sent = 0;
        let correlation = first.ids.correlation_id;
        let mut next = Some(first);
        loop {
            // Each round a new request (the first goes as given: a fixed id, or a resend), in
            // one flow and one time budget.
            // A later round follows only a busy answer that changed nothing (`Rounds`), so it
            // starts with nothing unknown.
            let sending = next.take().unwrap_or_else(|| Sending {
                ids: OperationIds::new(None, Some(correlation)),
                started,
                round: true,
                ..self.pc.sending(None)
            });
            let send = async |api: &Client| {
                let mut request = api.checkout_cart().customer_id(&customer).cart_id(&cart);
                if let Some(upn) = customer_user_upn {
                    request = request.x_ms_customeruser_upn(upn);
                }
                request.send().await
            };
            let check = |answer: &CartCheckoutResult| answer.refusal(None);
            let error = match self
                .pc
                .invoke(sending.for_customer(&customer), send, check)
                .await
            {
                Ok(result) => {
                    rounds.succeeded();
                    return Ok(placed(self.customer(), result));
                }
                Err(e) => {
                    sent += e.attempts();
                    let at =
                        Unconfirmed::checkout(&self.customer_id, &self.cart_id, customer_user_upn);
                    e.with_attempts(sent).unconfirmed_at(at)
                }
            };
            if error.code() == Some(crate::codes::CART_ALREADY_SUBMITTED) {
                return Err(error.with_hint(ALREADY_SUBMITTED));
            }
            let Again::After(wait) = rounds.next(&error, self.pc.now()) else {
                return Err(error);
            };
            tracing::info!(
                round = rounds.made(),
                wait_ms = wait.as_millis() as u64,
                error = %error,
                "the cart is busy with an earlier checkout; asking again"
            );
            shared.clock.sleep(wait).await;
        }
    }
}

/// A checkout that placed orders; a warning if not all of them.
fn placed(customer: Customer, result: CartCheckoutResult) -> CheckoutOutcome {
    let outcome = CheckoutOutcome { customer, result };
    if !outcome.is_complete() {
        tracing::warn!(
            placed = outcome.orders().len(),
            failed = outcome.order_errors().len(),
            "the checkout placed only some of its orders"
        );
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn a_checkout_is_complete_only_without_order_errors() {
        let result: CartCheckoutResult = serde_json::from_value(serde_json::json!({
            "orders": [{"id": "f76c6b7f449d"}],
            "orderErrors": [{"orderGroupId": "1", "code": "800010"}]
        }))
        .unwrap();
        let pc = crate::client::PartnerCenter::builder()
            .bearer_token("t")
            .build()
            .unwrap();
        let customer = pc.customer("d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d");
        let outcome = placed(customer, result);
        assert_eq!(outcome.orders().len(), 1);
        let refs: Vec<String> = outcome
            .order_refs()
            .iter()
            .map(|o| o.id().to_string())
            .collect();
        assert_eq!(refs, ["f76c6b7f449d"]);
        assert_eq!(
            outcome.order_errors()[0].code.as_ref().unwrap().number(),
            Some(800_010)
        );
        assert!(!outcome.is_complete());
    }

    #[test]
    fn a_checkout_that_placed_nothing_is_refused_with_its_order_errors() {
        use crate::operations::checks::Answer;
        let result: CartCheckoutResult = serde_json::from_value(serde_json::json!({
            "orders": [],
            "orderErrors": [{"orderGroupId": "0", "code": 8_000_100_000_i64}]
        }))
        .unwrap();
        let Some(ErrorKind::NothingOrdered(nothing)) = result.refusal(None) else {
            panic!("nothing placed is an error")
        };
        let order_errors = nothing.order_errors();
        assert_eq!(
            order_errors[0].code.as_ref().unwrap().number(),
            Some(8_000_100_000)
        );
    }
}
