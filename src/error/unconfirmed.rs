//! Where a cart write whose outcome is unknown was sent: what an error keeps so that
//! `PartnerCenter::resend` can send it again as the same request.

/// The customer and cart a create or a put was sent to; the error keeps its body and ids.
#[derive(Clone, Debug)]
pub(crate) struct Unconfirmed {
    pub customer_id: String,
    /// The cart put; `None` for a create.
    pub cart_id: Option<String>,
}
