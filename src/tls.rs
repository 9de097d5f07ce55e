//! The HTTP client underneath: reqwest over rustls.
//!
//! rustls runs on the aws-lc-rs provider, rustls's default, whose key exchange is post-quantum
//! (X25519MLKEM768 first, X25519 with servers without it; the *ring* provider has no
//! post-quantum exchange, and rustls deprecates it), and verifies certificates against the
//! platform's roots, plus any the caller adds for a private CA. Redirects are not followed: Partner Center does not redirect, and a redirect must not
//! carry a bearer token to another host.

use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls_platform_verifier::Verifier;

use crate::error::Error;

/// Parses PEM text holding one or more certificates.
pub(crate) fn certificates_from_pem(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::config(format!("the root certificate PEM cannot be read: {e}")))?;
    if certs.is_empty() {
        return Err(Error::config(
            "the root certificate PEM holds no certificate",
        ));
    }
    Ok(certs)
}

/// A reqwest client over rustls that trusts the platform's roots and `extra_roots`, with what
/// `more` adds to its builder.
pub(crate) fn http_client(
    extra_roots: &[CertificateDer<'static>],
    connect_timeout: Duration,
    more: impl FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder,
) -> Result<reqwest::Client, Error> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = Verifier::new_with_extra_roots(extra_roots.iter().cloned(), provider.clone())
        .map_err(|e| {
            Error::config(format!(
                "TLS certificate verification cannot be set up: {e}"
            ))
        })?;
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::config(format!("TLS cannot be set up: {e}")))?
        .dangerous() // only to plug in the platform verifier, which does verify
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    let builder = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .connect_timeout(connect_timeout)
        .redirect(reqwest::redirect::Policy::none());
    more(builder)
        .build()
        .map_err(|e| Error::config(format!("the HTTP client cannot be built: {e}")))
}

/// Refuses to send a secret over plain HTTP, except to this machine (the emulator, tests).
pub(crate) fn check_secure(what: &str, url: &str) -> Result<reqwest::Url, Error> {
    // Never echoed as given: a URL that is not one may hold anything, and one that is may
    // hold a password or a secret in its query (`shown`).
    let parsed =
        reqwest::Url::parse(url).map_err(|e| Error::config(format!("{what} is not a URL: {e}")))?;
    let shown = shown(&parsed);
    // A user and password would be a secret in plain sight (in `Debug` and in error messages);
    // a query or fragment would swallow the paths appended to it.
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::config(format!(
            "{what} {shown} has a user name or password in it; give the scheme, host and path \
             only"
        )));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::config(format!(
            "{what} {shown} has a query or fragment; give the scheme, host and path only"
        )));
    }
    // `http://127.0.0.1:` parses, without a port: requests would go to the scheme's own (80).
    let authority = url.split_once("://").map_or("", |(_, rest)| {
        rest.split(['/', '?', '#']).next().unwrap_or("")
    });
    if authority.ends_with(':') {
        return Err(Error::config(format!(
            "{what} {shown} has an empty port; give the port, or leave out the `:`"
        )));
    }
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if is_loopback(&parsed) => Ok(parsed),
        "http" => Err(Error::config(format!(
            "{what} {shown} is plain http to another machine; a bearer token is only sent over \
             https, or over http to a loopback address"
        ))),
        other => Err(Error::config(format!(
            "{what} {shown} has scheme {other:?}; use https"
        ))),
    }
}

/// A URL as an error may show it: its user and password, query and fragment replaced by `***`.
fn shown(url: &reqwest::Url) -> String {
    let mut shown = url.clone();
    if !url.username().is_empty() || url.password().is_some() {
        let _ = shown.set_username("***");
        let _ = shown.set_password(None);
    }
    if url.query().is_some() {
        shown.set_query(Some("***"));
    }
    if url.fragment().is_some() {
        shown.set_fragment(Some("***"));
    }
    format!("{:?}", shown.as_str())
}

fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_and_http_only_to_loopback() {
        for ok in [
            "https://api.partnercenter.microsoft.com",
            "http://127.0.0.1:8080",
            "http://127.8.9.1",
            "http://localhost:3000/stem",
            "http://[::1]:8080",
        ] {
            assert!(check_secure("base URL", ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://api.partnercenter.microsoft.com",
            "http://10.0.0.1",
            "http://localhost.evil.example",
            "ftp://127.0.0.1",
            "not a url",
            "https://api.partnercenter.microsoft.com/?x=1",
            "https://api.partnercenter.microsoft.com/#top",
            "https://user:pw@api.partnercenter.microsoft.com",
            "https://user:pw@api.partnercenter.microsoft.com/?x=1",
            "http://user:pw@127.0.0.1:",
            "http://127.0.0.1:",
            "http://127.0.0.1:/v1",
            "https://[::1]:",
            "https://api.partnercenter.microsoft.com/?sig=s3cret",
            "http://10.0.0.1/?sig=s3cret",
            "ftp://user:s3cret@127.0.0.1",
            "not a url s3cret",
        ] {
            let e = check_secure("base URL", bad).unwrap_err();
            assert!(e.to_string().contains("base URL"), "{e}");
            for secret in ["pw", "s3cret"] {
                assert!(!e.to_string().contains(secret), "a secret is repeated: {e}");
            }
        }
        let e = check_secure("base URL", "http://10.0.0.1/v1?sig=s3cret").unwrap_err();
        assert!(e.to_string().contains("http://10.0.0.1/v1?***"), "{e}");
    }

    #[test]
    fn pem_without_certificates_is_refused() {
        assert!(certificates_from_pem(b"").is_err());
        assert!(
            certificates_from_pem(
                b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"
            )
            .is_err()
        );
    }
}
