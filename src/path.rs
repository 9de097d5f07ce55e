//! An operation's URL: the client's base URL, parsed once when the client was built, and the
//! path's pieces, each parameter one percent-encoded segment. The generated code calls [`url`]
//! (`build.rs` puts it where progenitor formats the whole URL as text, for reqwest to parse
//! again, host and all, on every request).

use std::fmt::{Display, Write};

use progenitor_client::Error;

use crate::generated::Client;

/// The URL of `client`'s base with `pieces` appended as path segments. Each piece is written
/// as text and percent-encoded as one segment (a `/` or `\` in a parameter is escaped, never a
/// separator); a parameter that is `.` or `..` is refused, since it would not name a resource.
// The generated operation's own error type, which its `send` returns as it is.
#[allow(clippy::result_large_err)]
pub(crate) fn url<E>(client: &Client, pieces: &[&dyn Display]) -> Result<reqwest::Url, Error<E>> {
    let shared = &client.inner.pc.shared;
    // A generated client's base URL is its `PartnerCenter`'s, unless someone built one with
    // another (`Client::new`); then that one is parsed.
    let mut url = if client.baseurl == shared.base_url {
        shared.base.clone()
    } else {
        reqwest::Url::parse(&client.baseurl).map_err(|e| {
            Error::InvalidRequest(format!(
                "the base URL {:?} is not a URL: {e}",
                client.baseurl
            ))
        })?
    };
    let mut segments = url.path_segments_mut().map_err(|()| {
        Error::InvalidRequest(format!(
            "the base URL {:?} cannot have a path",
            client.baseurl
        ))
    })?;
    segments.pop_if_empty();
    let mut text = String::new();
    for piece in pieces {
        text.clear();
        // Writing to a `String` cannot fail.
        let _ = write!(text, "{piece}");
        if text == "." || text == ".." {
            return Err(Error::InvalidRequest(format!(
                "the path parameter {text:?} does not name a resource"
            )));
        }
        segments.push(&text);
    }
    drop(segments);
    Ok(url)
}
