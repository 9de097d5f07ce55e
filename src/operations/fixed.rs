//! One operation with an `MS-RequestId` the caller chose.

use super::checkout::CheckoutOutcome;
use super::refs::{CartRef, Customer, WithRequestId};
use crate::error::Error;
use crate::types::Cart;

impl WithRequestId<CartRef> {
    /// [`CartRef::get`] with this request id.
    ///
    /// # Errors
    ///
    /// As [`CartRef::get`]'s.
    pub async fn get(self) -> Result<Cart, Error> {
        let sending = self.target.pc.sending(self.request_id);
        self.target.get_with(sending).await
    }

    /// [`CartRef::put`] with this request id.
    ///
    /// # Errors
    ///
    /// As [`CartRef::put`]'s.
    pub async fn put(self, cart: &Cart) -> Result<Cart, Error> {
        let sending = self.target.pc.sending(self.request_id);
        self.target.put_with(cart.clone(), sending).await
    }

    /// [`CartRef::checkout`] with this request id: replayed after a crash, it places
    /// nothing twice.
    ///
    /// # Errors
    ///
    /// As [`CartRef::checkout`]'s.
    pub async fn checkout(self) -> Result<CheckoutOutcome, Error> {
        self.target.checkout_with(self.request_id, None).await
    }

    /// [`CartRef::checkout_for_user`] with this request id.
    ///
    /// # Errors
    ///
    /// As [`CartRef::checkout_for_user`]'s.
    pub async fn checkout_for_user(
        self,
        customer_user_upn: &str,
    ) -> Result<CheckoutOutcome, Error> {
        self.target
            .checkout_with(self.request_id, Some(customer_user_upn))
            .await
    }

    /// [`CartRef::modify`] with this request id on its first PUT (its GET, and any PUT after a
    /// conflict, get their own).
    ///
    /// # Errors
    ///
    /// As [`CartRef::modify`]'s.
    pub async fn modify<F>(self, mut change: F) -> Result<Cart, Error>
    where
        F: FnMut(&mut Cart),
    {
        self.try_modify(|cart| {
            change(cart);
            Ok(())
        })
        .await
    }

    /// [`CartRef::try_modify`] with this request id on its first PUT.
    ///
    /// # Errors
    ///
    /// As [`CartRef::try_modify`]'s.
    pub async fn try_modify<F, E>(self, change: F) -> Result<Cart, E>
    where
        F: FnMut(&mut Cart) -> Result<(), E>,
        E: From<Error>,
    {
        self.target.modify_with(self.request_id, change).await
    }
}

impl WithRequestId<Customer> {
    /// [`Customer::create`] with this request id: replayed after a crash, it makes no second
    /// cart.
    ///
    /// # Errors
    ///
    /// As [`Customer::create`]'s.
    pub async fn create(self, cart: &Cart) -> Result<Cart, Error> {
        let sending = self.target.pc.sending(self.request_id);
        self.target.create_with(cart.clone(), sending).await
    }
}
