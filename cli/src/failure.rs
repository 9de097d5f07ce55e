//! Why a command failed, as it is printed, and its exit code.

use std::fmt;
use std::process::ExitCode;

use partner_center_carts::ErrorKind;

use crate::output;

/// Why a command failed.
pub enum Failure {
    /// An operation failed, or the client could not be made: shown with its status, code,
    /// description and ids, and what it was about (`cart ... of customer ...`) once known. Its
    /// exit code is its kind's: 4 for authentication, 2 for input or settings that cannot be
    /// used (nothing was sent), 1 for the rest.
    Operation(partner_center_carts::Error, Option<String>),
    /// No credential, or one that cannot be used (a token file that cannot be read, client
    /// credentials not all set). Exit code 4, as for a token the service refused.
    Credentials(String),
    /// Input the command cannot use (a file that cannot be read or is not a cart, a line item
    /// the cart does not have). Exit code 2, as for a bad argument.
    Input(String),
    /// A checkout placed some of its orders but not all, or an order's provisioning ended with
    /// line items not fulfilled (the answer is printed): exit code 3, so that a script cannot
    /// take it for a whole success nor for a failure that did nothing.
    Partial(String),
    /// Anything else, in words. Exit code 1.
    Other(String),
}

/// Bad arguments or input; nothing was sent (clap's own code for a bad argument).
pub const USAGE: u8 = 2;
/// Authentication: no credential, or one that cannot be had or that the service refused.
pub const AUTH: u8 = 4;

impl Failure {
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            Self::Partial(_) => 3,
            Self::Credentials(_) => AUTH,
            Self::Input(_) => USAGE,
            Self::Operation(e, _) => match e.kind() {
                ErrorKind::Auth(_) => AUTH,
                ErrorKind::InvalidInput(_) | ErrorKind::Config(_) => USAGE,
                _ => 1,
            },
            Self::Other(_) => 1,
        })
    }

    /// A failure to set up the credentials the library reads (`PARTNER_CENTER_*`): an
    /// authentication failure whatever its kind.
    pub fn credentials(e: partner_center_carts::Error) -> Self {
        Self::Credentials(e.to_string())
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
            Self::Other(message) | Self::Input(message) | Self::Credentials(message) => {
                writeln!(f, "error: {message}")
            }
        }
    }
}
