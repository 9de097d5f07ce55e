//! A piece of work, as one line of JSON reads.

use serde::{Deserialize, Serialize};

use crate::types::{CartLineItem, Order};

/// One piece of work: its key, its customer, and what to do.
///
/// ```
/// use partner_center_carts::bulk::{Piece, Task};
///
/// let piece = Piece::from_line(r#"{"key": "contoso-1", "customer": "d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d",
///     "lineItems": [{"catalogItemId": "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", "quantity": 3, "billingCycle": "monthly"}]}"#)?;
/// assert!(matches!(piece.task, Task::Purchase { .. }));
/// assert!(Piece::from_line(r#"{"key": "k", "customer": "c"}"#).is_err());
/// # Ok::<(), String>(())
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Piece {
    /// The piece's key in the journal: unique to this piece of work, for good (an invoice
    /// line's id, say). Done again under the same key, it is made once.
    pub key: String,
    /// The customer's tenant id.
    pub customer: String,
    /// What to do.
    #[serde(flatten)]
    pub task: Task,
}

/// What a piece of work does.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Task {
    /// Create a cart with these lines and check it out.
    #[serde(rename_all = "camelCase")]
    Purchase {
        /// The cart's lines.
        line_items: Vec<CartLineItem>,
    },
    /// Change an order (`PATCH`): its add-ons, say.
    OrderChange {
        /// The order's id.
        order: String,
        /// The change, as `OrderRef::update` sends it.
        change: Box<Order>,
    },
}

impl Piece {
    /// Reads a piece from one line of JSON.
    ///
    /// # Errors
    ///
    /// What is wrong with the line, in words: not JSON, no key or customer, neither
    /// `lineItems` nor `order` and `change`, or an empty key.
    pub fn from_line(line: &str) -> Result<Self, String> {
        let piece: Piece = serde_json::from_str(line).map_err(|e| {
            format!("not a piece of work ({e}): one needs \"key\", \"customer\", and \"lineItems\" or \"order\" and \"change\"")
        })?;
        if piece.key.trim().is_empty() {
            return Err("the piece's \"key\" is empty".into());
        }
        if let Task::Purchase { line_items } = &piece.task
            && line_items.is_empty()
        {
            return Err("a purchase needs at least one line in \"lineItems\"".into());
        }
        Ok(piece)
    }
}
