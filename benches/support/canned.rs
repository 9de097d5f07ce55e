//! A loopback server that answers every GET and PUT with the same cart, on its own thread and
//! runtime, so that it costs as little as possible and the client is what is measured.

use axum::http::StatusCode;
use axum::routing::get;

pub fn start(cart: Vec<u8>) -> String {
    let (url_tx, url_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            url_tx
                .send(format!("http://{}", listener.local_addr().unwrap()))
                .unwrap();
            let answer = move || {
                let cart = cart.clone();
                async move { (StatusCode::OK, [("content-type", "application/json")], cart) }
            };
            let app = axum::Router::new().route(
                "/v1/customers/{customer}/carts/{cart}",
                get(answer.clone()).put(answer),
            );
            axum::serve(listener, app).await.unwrap();
        });
    });
    url_rx.recv().unwrap()
}
