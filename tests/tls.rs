//! Real TLS through rustls: a loopback https server with a certificate from a throwaway CA.

mod support;

use std::sync::{Arc, Mutex};

use partner_center_carts::{ErrorKind, PartnerCenter};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An https server for `localhost` that answers every request with the cart example.
struct Https {
    url: String,
    /// The PEM of the CA that signed its certificate.
    ca: String,
    /// The key exchange group of each connection it accepted.
    groups: Arc<Mutex<Vec<rustls::NamedGroup>>>,
}

async fn https_server() -> Https {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();

    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![leaf.der().clone()],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();

    let groups = Arc::new(Mutex::new(Vec::new()));
    let seen = groups.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let seen = seen.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let group = tls.get_ref().1.negotiated_key_exchange_group();
                seen.lock().unwrap().extend(group.map(|g| g.name()));
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let body = serde_json::to_vec(&example("ActiveCart")).unwrap();
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = tls.write_all(head.as_bytes()).await;
                let _ = tls.write_all(&body).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    Https {
        url: format!("https://localhost:{port}"),
        ca: ca.pem(),
        groups,
    }
}

#[tokio::test]
async fn a_cart_is_read_over_tls_from_a_server_the_client_trusts() {
    let server = https_server().await;
    let pc = PartnerCenter::builder()
        .base_url(&server.url)
        .bearer_token(TOKEN)
        .add_root_certificate_pem(server.ca)
        .build()
        .unwrap();
    let cart = pc.customer(CUSTOMER).cart(CART).get().await.unwrap();
    assert_eq!(cart.id.as_deref(), Some(CART));
    // The key exchange is post-quantum with a server that offers it.
    assert_eq!(
        *server.groups.lock().unwrap(),
        vec![rustls::NamedGroup::X25519MLKEM768]
    );
}

#[tokio::test]
async fn a_server_the_client_does_not_trust_is_refused() {
    let server = https_server().await;
    let pc = PartnerCenter::builder()
        .base_url(&server.url)
        .bearer_token(TOKEN)
        .retry_policy(partner_center_carts::retry::RetryPolicy::none())
        .build()
        .unwrap();
    let err = pc.customer(CUSTOMER).cart(CART).get().await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Transport(_)), "{err:?}");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
}
