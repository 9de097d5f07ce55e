//! Why a command failed, as it is printed, and its exit code.

use std::fmt;
use std::process::ExitCode;

use partner_center_carts::ErrorKind;

use crate::output;

/// Why a command failed.
pub enum Failure {
    /// An operation failed: shown with its status, code, description and ids, and what it was
    /// about (`cart ... of customer ...`) once known. Exit code 1; 2 when the client is not
    /// configured to work (no credentials), as for a bad argument.
    Operation(partner_center_carts::Error, Option<String>),
    /// A checkout placed some of its orders but not all, or an order's provisioning ended with
    /// line items not fulfilled (the answer is printed): exit code 3, so that a script cannot
    /// take it for a whole success nor for a failure that did nothing.
    Partial(String),
    /// Anything else, in words. Exit code 1.
    Other(String),
    /// The command cannot run as asked (a token file that cannot be read). Exit code 2, as for
    /// a bad argument.
    Usage(String),
}

impl Failure {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Self::Partial(_) => ExitCode::from(3),
            // Like a bad argument: the command cannot run as configured.
            Self::Operation(e, _) if matches!(e.kind(), ErrorKind::Config(_)) => ExitCode::from(2),
            Self::Usage(_) => ExitCode::from(2),
            Self::Operation(..) | Self::Other(_) => ExitCode::FAILURE,
        }
    }

    /// The failure, saying which resource it is about.
    pub fn about(self, what: String) -> Self {
        match self {
            Self::Operation(e, None) => Self::Operation(e, Some(what)),
            other => other,
        }
    }
}

impl From<partner_center_carts::Error> for Failure {
    fn from(e: partner_center_carts::Error) -> Self {
        Self::Operation(e, None)
    }
}

impl From<output::NotShown> for Failure {
    fn from(e: output::NotShown) -> Self {
        Self::Other(e.0)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Self::Other(e.to_string())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Operation(e, about) => {
                f.write_str(&output::error(e))?;
                match about {
                    Some(what) => writeln!(f, "  about: {what}"),
                    None => Ok(()),
                }
            }
            Self::Partial(message) => writeln!(f, "{message}"),
            Self::Other(message) | Self::Usage(message) => writeln!(f, "error: {message}"),
        }
    }
}
