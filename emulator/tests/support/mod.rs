//! What the emulator's tests share: those of every crate's tests (`tests/support/common.rs`).
#![allow(dead_code)]

#[path = "../../../tests/support/common.rs"]
mod common;

pub use common::*;

pub mod emulated;
