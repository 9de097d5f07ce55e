//! What came of a piece of work, as one line of JSON, and of a whole batch.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};

/// What came of one piece of work.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum PieceOutcome {
    /// Done now, exactly once.
    Done,
    /// Done by an earlier run: its result is the one kept then, and nothing was sent.
    AlreadyDone,
    /// Not done, and no write of it is pending: running the batch again tries it again (what
    /// was made of it before the failure stays made, and is not made again).
    Failed,
    /// A write was sent and its answer never came: running the batch again settles it with
    /// the same request id before going on. (Also a piece whose task panicked, line 0, kind
    /// `panicked`: a bug, whose writes are in the journal.)
    Unknown,
    /// The line is not a piece of work; nothing was sent.
    Invalid,
}

/// The result line of one piece of work.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PieceResult {
    /// The piece's line in the input, from 1.
    pub line: usize,
    /// The piece's key (absent when the line could not be read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The customer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// What came of it.
    pub outcome: PieceOutcome,
    /// The cart a purchase created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cart_id: Option<String>,
    /// The orders a purchase placed, or the order changed.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub order_ids: Vec<String>,
    /// For a purchase: whether every order group was placed (`false`: see the orders).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complete: Option<bool>,
    /// Why it is not done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<PieceError>,
}

/// Why a piece of work is not done.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PieceError {
    /// The kind, in camelCase (`throttled`, `service`, `journal`, ...).
    pub kind: String,
    /// In words.
    pub message: String,
    /// The Partner Center error code, if the service gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
    /// The request id of the write whose outcome is unknown, or of the last request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl PieceResult {
    pub(crate) fn new(line: usize, outcome: PieceOutcome) -> Self {
        Self {
            line,
            key: None,
            customer: None,
            outcome,
            cart_id: None,
            order_ids: Vec::new(),
            complete: None,
            error: None,
        }
    }

    /// The line of JSON.
    pub fn to_json(&self) -> String {
        // A struct of strings, numbers and booleans always encodes.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl PieceError {
    pub(crate) fn of(error: &Error) -> Self {
        Self {
            kind: kind_name(error.kind()).to_string(),
            message: error.to_string(),
            code: error.code(),
            request_id: error.request_id().map(|id| id.to_string()),
        }
    }

    pub(crate) fn invalid(message: String) -> Self {
        Self {
            kind: "invalidInput".into(),
            message,
            code: None,
            request_id: None,
        }
    }

    /// A piece's task that ended in a panic (a bug: its line is not known, and its writes are
    /// in the journal).
    pub(crate) fn panicked(message: String) -> Self {
        Self {
            kind: "panicked".into(),
            message: format!("a piece's task ended: {message}"),
            code: None,
            request_id: None,
        }
    }

    /// Whether every other piece would fail the same way.
    pub(crate) fn ends_the_batch(&self) -> bool {
        matches!(self.kind.as_str(), "auth" | "config")
    }
}

fn kind_name(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidInput(_) => "invalidInput",
        ErrorKind::Config(_) => "config",
        ErrorKind::Auth(_) => "auth",
        ErrorKind::Transport(_) => "transport",
        ErrorKind::Timeout(_) => "timeout",
        ErrorKind::Throttled(_) => "throttled",
        ErrorKind::Service(_) => "service",
        ErrorKind::NothingOrdered(_) => "nothingOrdered",
        ErrorKind::StillProvisioning(_) => "stillProvisioning",
        ErrorKind::NotYetListed(_) => "notYetListed",
        ErrorKind::WindowClosed(_) => "windowClosed",
        ErrorKind::Mismatch(_) => "mismatch",
        ErrorKind::Undecodable(_) => "undecodable",
        ErrorKind::Journal(_) => "journal",
    }
}

/// How many pieces came to what, over a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Summary {
    /// Done in this run.
    pub done: usize,
    /// Done by an earlier run.
    pub already_done: usize,
    /// Purchases done whose checkout did not place every order group.
    pub incomplete: usize,
    /// Not done.
    pub failed: usize,
    /// With a write whose outcome is unknown.
    pub unknown: usize,
    /// Lines that are not pieces of work.
    pub invalid: usize,
    /// Read, and not started, because the run was stopped (the input after them is not read).
    pub not_started: usize,
}

impl Summary {
    /// Whether every piece is done (now or before), and nothing was left.
    pub fn all_done(&self) -> bool {
        self.failed + self.unknown + self.invalid + self.not_started == 0
    }

    pub(crate) fn count(&mut self, result: &PieceResult) {
        match result.outcome {
            PieceOutcome::Done => self.done += 1,
            PieceOutcome::AlreadyDone => self.already_done += 1,
            PieceOutcome::Failed => self.failed += 1,
            PieceOutcome::Unknown => self.unknown += 1,
            PieceOutcome::Invalid => self.invalid += 1,
        }
        if result.complete == Some(false) {
            self.incomplete += 1;
        }
    }
}
