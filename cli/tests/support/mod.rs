//! What the command's tests share: those of every crate's tests (`tests/support/common.rs`),
//! and the checkout's path.
#![allow(dead_code)]

#[path = "../../../tests/support/common.rs"]
mod common;

pub use common::*;

pub fn checkout_path() -> String {
    format!("/v1/customers/{CUSTOMER}/carts/{CART}/checkout")
}

pub mod commands;
#[path = "../../../tests/support/needs.rs"]
pub mod needs;
