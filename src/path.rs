//! An operation's URL: the client's base URL, parsed once when the client was built, and the
//! path's pieces, each parameter one percent-encoded segment. The generated code calls [`url`]
//! (`build/lean.rs` puts it where progenitor formats the whole URL as text, for reqwest to
//! parse again, host and all, on every request).

use std::fmt::{Display, Write};

use progenitor_client::Error;

use crate::generated::Client;

/// A piece of an operation's path: a literal of the spec's (characters a path segment holds as
/// they are, checked by `build/lean.rs`), or a parameter.
pub(crate) enum Piece<'a> {
    Fixed(&'static str),
    Param(&'a dyn Display),
}

/// The URL of `client`'s base with `pieces` appended as path segments. Each piece is written
/// as text and percent-encoded as one segment (a `/` or `\` in a parameter is escaped, never a
/// separator). Refused, since the URL would not name the resource asked for: a parameter that
/// is `.` or `..`, or has a tab or a line break (which a URL drops).
///
/// Where progenitor's own code differs: it let `.` and `..` walk up the path, read `\` as `/`,
/// and escaped tabs and line breaks.
// The generated operation's own error type, which its `send` returns as it is.
#[allow(clippy::result_large_err)]
pub(crate) fn url<E>(client: &Client, pieces: &[Piece]) -> Result<reqwest::Url, Error<E>> {
    let shared = &client.inner.pc.shared;
    // A generated client's base URL is its `PartnerCenter`'s, unless someone built one with
    // another (`Client::new`); then that one is parsed. (Not echoed in an error: it was never
    // checked, and may hold a password.)
    let mut url = if client.baseurl == shared.base_url {
        shared.base.clone()
    } else {
        reqwest::Url::parse(&client.baseurl).map_err(|e| {
            Error::InvalidRequest(format!("the generated client's base URL is not a URL: {e}"))
        })?
    };
    let mut segments = url.path_segments_mut().map_err(|()| {
        Error::InvalidRequest("the generated client's base URL cannot have a path".to_string())
    })?;
    segments.pop_if_empty();
    let mut text = String::new();
    for piece in pieces {
        let param = match piece {
            Piece::Fixed(literal) => {
                segments.push(literal);
                continue;
            }
            Piece::Param(param) => param,
        };
        text.clear();
        // Writing to a `String` cannot fail.
        let _ = write!(text, "{param}");
        // Every byte looked at, with no early exit: the compiler checks several at once.
        let breaks = text
            .bytes()
            .fold(false, |found, b| found | matches!(b, b'\t' | b'\n' | b'\r'));
        if text == "." || text == ".." || breaks {
            return Err(Error::InvalidRequest(format!(
                "the path parameter {text:?} does not name a resource"
            )));
        }
        segments.push(&text);
    }
    drop(segments);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PartnerCenter;

    fn client(base: &str) -> Client {
        let pc = PartnerCenter::builder()
            .base_url(base)
            .bearer_token("t")
            .build()
            .unwrap();
        pc.generated()
    }

    fn path(base: &str, pieces: &[Piece]) -> Result<String, String> {
        url::<()>(&client(base), pieces)
            .map(|u| u.to_string())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn escapes_each_parameter_as_one_segment_as_progenitor_does() {
        for id in [
            "d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d",
            "a b?c#d%e{f}`g\"h<i>j",
            "ünï",
            "x/y",
            "42",
        ] {
            let ours = path(
                "https://h.example",
                &[
                    Piece::Fixed("v1"),
                    Piece::Fixed("orders"),
                    Piece::Param(&id),
                ],
            )
            .unwrap();
            let theirs = reqwest::Url::parse(&format!(
                "https://h.example/v1/orders/{}",
                progenitor_client::encode_path(id)
            ))
            .unwrap();
            assert_eq!(ours, theirs.as_str(), "{id:?}");
        }
        assert_eq!(
            path(
                "https://h.example",
                &[Piece::Fixed("v1"), Piece::Param(&7u32)]
            )
            .unwrap(),
            "https://h.example/v1/7"
        );
    }

    #[test]
    fn keeps_the_base_path_once_whatever_its_trailing_slashes() {
        for base in [
            "https://h.example/api",
            "https://h.example/api/",
            "https://h.example/api//",
        ] {
            assert_eq!(
                path(base, &[Piece::Fixed("v1")]).unwrap(),
                "https://h.example/api/v1",
                "{base}"
            );
        }
        assert_eq!(
            path("http://127.0.0.1:9/", &[Piece::Fixed("v1")]).unwrap(),
            "http://127.0.0.1:9/v1"
        );
    }

    #[test]
    fn refuses_what_would_name_another_resource_and_escapes_backslashes() {
        for bad in [".", "..", "..\t", ".\n.", "\t", "x\ry"] {
            let err = path(
                "https://h.example",
                &[
                    Piece::Fixed("v1"),
                    Piece::Param(&bad),
                    Piece::Fixed("carts"),
                ],
            )
            .unwrap_err();
            assert!(err.contains("does not name a resource"), "{bad:?}: {err}");
        }
        assert_eq!(
            path(
                "https://h.example",
                &[Piece::Fixed("v1"), Piece::Param(&"a\\b")]
            )
            .unwrap(),
            "https://h.example/v1/a%5Cb"
        );
    }

    #[test]
    fn a_generated_client_on_another_base_has_it_parsed_and_never_echoed() {
        let pc = PartnerCenter::builder().bearer_token("t").build().unwrap();
        let context = pc.generated().inner.clone();
        let http = pc.shared.http.clone();
        let other =
            Client::new_with_client("https://h.example/other", http.clone(), context.clone());
        let built = url::<()>(&other, &[Piece::Fixed("v1")]).unwrap();
        assert_eq!(built.as_str(), "https://h.example/other/v1");
        let secret = Client::new_with_client("not a url:password@", http, context);
        let err = url::<()>(&secret, &[Piece::Fixed("v1")])
            .unwrap_err()
            .to_string();
        assert!(!err.contains("password"), "{err}");
    }
}
