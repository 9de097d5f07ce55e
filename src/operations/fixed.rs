//! One operation with an `MS-RequestId` the caller chose.

use super::checkout::CheckoutOutcome;
use super::refs::{CartRef, Customer, OrderRef, WithRequestId};
use super::subscription::{SubscriptionRef, auto_renew, cancel};
use crate::error::Error;
use crate::types::{Cart, Order, Subscription, Transition};

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
        let sending = self.target.pc.sending(self.request_id);
        self.target.checkout_with(sending, None).await
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
        let sending = self.target.pc.sending(self.request_id);
        self.target
            .checkout_with(sending, Some(customer_user_upn))
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

impl WithRequestId<OrderRef> {
    /// [`OrderRef::update`] with this request id: an add-on replayed after a crash is bought
    /// once.
    ///
    /// # Errors
    ///
    /// As [`OrderRef::update`]'s.
    pub async fn update(self, change: &Order) -> Result<Order, Error> {
        let sending = self.target.pc.sending(self.request_id);
        self.target.update_with(change.clone(), sending).await
    }

    /// [`OrderRef::cancel`] with this request id.
    ///
    /// # Errors
    ///
    /// As [`OrderRef::cancel`]'s.
    pub async fn cancel(self) -> Result<Order, Error> {
        let sending = self.target.pc.sending(self.request_id);
        self.target
            .update_with(OrderRef::cancellation(), sending)
            .await
    }
}

impl WithRequestId<SubscriptionRef> {
    /// [`SubscriptionRef::modify`] with this request id on its PATCH (its read gets its own).
    ///
    /// # Errors
    ///
    /// As [`SubscriptionRef::modify`]'s.
    pub async fn modify(
        self,
        change: impl FnOnce(&mut Subscription),
    ) -> Result<Subscription, Error> {
        self.target.modify_with(self.request_id, change).await
    }

    /// [`SubscriptionRef::set_quantity`] with this request id.
    ///
    /// # Errors
    ///
    /// As [`SubscriptionRef::set_quantity`]'s.
    pub async fn set_quantity(self, quantity: i32) -> Result<Subscription, Error> {
        self.target
            .set_quantity_with(self.request_id, quantity)
            .await
    }

    /// [`SubscriptionRef::set_auto_renew`] with this request id.
    ///
    /// # Errors
    ///
    /// As [`SubscriptionRef::set_auto_renew`]'s.
    pub async fn set_auto_renew(self, enabled: bool) -> Result<Subscription, Error> {
        self.target
            .modify_with(self.request_id, auto_renew(enabled))
            .await
    }

    /// [`SubscriptionRef::cancel`] with this request id.
    ///
    /// # Errors
    ///
    /// As [`SubscriptionRef::cancel`]'s.
    pub async fn cancel(self) -> Result<Subscription, Error> {
        self.target.modify_with(self.request_id, cancel).await
    }

    /// [`SubscriptionRef::transition`] with this request id.
    ///
    /// # Errors
    ///
    /// As [`SubscriptionRef::transition`]'s.
    pub async fn transition(self, transition: &Transition) -> Result<Transition, Error> {
        let sending = self.target.pc.sending(self.request_id);
        self.target
            .transition_with(transition.clone(), sending)
            .await
    }
}
