//! A customer: where carts are created.

use uuid::Uuid;

use super::{CartRef, checked, checked_cart};
use crate::types::Cart;
use crate::{Error, PartnerCenter};

/// A customer of the partner, by tenant id. Get one from [`PartnerCenter::customer`].
#[derive(Clone, Debug)]
pub struct Customer {
    pc: PartnerCenter,
    id: String,
    request_id: Option<Uuid>,
}

impl Customer {
    pub(crate) fn new(pc: PartnerCenter, id: String) -> Self {
        Self {
            pc,
            id,
            request_id: None,
        }
    }

    /// The customer's tenant id, as given.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// One of the customer's carts (a GUID; checked when an operation is sent).
    pub fn cart(&self, cart_id: impl Into<String>) -> CartRef {
        CartRef::new(self.pc.clone(), self.id.clone(), cart_id.into())
    }

    /// Sends [`create`](Self::create) with this `MS-RequestId` instead of a new one. The
    /// service treats a repeat with the same id as the same request, so a create replayed after
    /// a crash makes no second cart.
    pub fn with_request_id(mut self, request_id: Uuid) -> Self {
        self.request_id = Some(request_id);
        self
    }

    /// Creates a cart (`POST /v1/customers/{customer-id}/carts`) and returns it as the service
    /// made it, with its id, line item ids and timestamps.
    ///
    /// Fails with [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), sending nothing,
    /// if the customer id is not a GUID, the cart has no line items, or a line item has no
    /// `catalogItemId` or a quantity below 1.
    pub async fn create(&self, cart: &Cart) -> Result<Cart, Error> {
        const OP: &str = "createCart";
        let customer = checked(OP, "customer", &self.id)?;
        checked_cart(OP, cart)?;
        let ids = self.pc.ids(self.request_id);
        self.pc
            .run(OP, &ids, None, |client| {
                let customer = &customer;
                async move {
                    let result = client
                        .create_cart(customer, None, None, None, None, None, None, cart)
                        .await;
                    (result, client.inner.take_seen())
                }
            })
            .await
    }
}
