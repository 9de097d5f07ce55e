//! The Partner Center error codes of the cart operations, named: compare them with
//! [`Error::code`](crate::Error::code), or an order error's `code`.
//!
//! ```
//! use partner_center_carts::codes;
//!
//! # fn explain(code: Option<i64>) -> &'static str {
//! match code {
//!     Some(codes::CART_ALREADY_SUBMITTED) => "already checked out: read its orders",
//!     Some(codes::CART_NOT_FOUND) => "no such cart, or it expired",
//!     _ => "something else",
//! }
//! # }
//! # assert_eq!(explain(Some(800065)), "already checked out: read its orders");
//! ```

/// 400: the request's input is invalid.
pub const INVALID_INPUT: i64 = 800002;
/// 404: "Unable to retrieve cart ID": no such cart, or it expired (seven days after creation).
pub const CART_NOT_FOUND: i64 = 800008;
/// 400: an error in the cart's line items.
pub const CART_ITEM_ERROR: i64 = 800009;
/// 400: inventory not available.
pub const INVENTORY_NOT_AVAILABLE: i64 = 800010;
/// 409: the order is in progress (an earlier checkout is still being done).
pub const ORDER_IN_PROGRESS: i64 = 800060;
/// 409: the cart is being processed by another request.
pub const CART_BEING_PROCESSED: i64 = 800064;
/// 400: the cart was already checked out.
pub const CART_ALREADY_SUBMITTED: i64 = 800065;
/// 500: an issue with a line item.
pub const LINE_ITEM_ISSUE: i64 = 800087;
/// 401: an App+User call made with a token issued without multi-factor authentication, which
/// the service refuses since April 2026 (app-only tokens are not affected).
pub const MFA_REQUIRED: i64 = 900421;
