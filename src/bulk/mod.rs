//! A batch of purchases and order changes, each done exactly once however often the batch is
//! run (feature `journal`): the engine of `pc-carts bulk`.
//!
//! Each piece of work is one line of JSON ([`Piece`]): a customer and the lines of a cart to
//! create and check out, or a change to one of its orders. The [`Runner`] does the pieces
//! through a client with a [`Journal`](crate::journal::Journal), each under its own key, so a
//! batch run again after any crash gives back what each piece made before, settles each write
//! whose answer was lost with its original request id, and does only what is left. Its result
//! is one line of JSON per piece ([`PieceResult`]).
//!
//! ```no_run
//! # async fn run() -> Result<(), partner_center_carts::Error> {
//! use partner_center_carts::PartnerCenterBuilder;
//! use partner_center_carts::bulk::Runner;
//! use partner_center_carts::journal::Journal;
//!
//! let pc = PartnerCenterBuilder::from_env()?
//!     .journal(Journal::sqlite("batch.journal")?)
//!     .build()?;
//! let lines = std::fs::read_to_string("batch.jsonl").unwrap_or_default();
//! let summary = Runner::new(&pc)?
//!     .concurrency(8)
//!     .run(lines.lines().map(str::to_string), |result| println!("{}", result.to_json()))
//!     .await;
//! assert!(summary.all_done());
//! # Ok(()) }
//! ```

mod piece;
mod result;
mod runner;

pub use piece::{Piece, Task};
pub use result::{PieceOutcome, PieceResult, Summary};
pub use runner::{Runner, Stop};
