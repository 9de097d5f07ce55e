//! A loopback server that plays a script: each request gets the next answer in the queue (or
//! the standing answer once the queue is empty), and every request is recorded. For tests
//! where the same request must be answered differently each time, as retries are.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::Received;

/// One scripted answer.
#[derive(Clone, Debug)]
pub struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    delay: Duration,
}

impl Answer {
    /// A JSON answer.
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Self::raw(status, serde_json::to_vec(&body).unwrap())
            .header("content-type", "application/json; charset=utf-8")
    }

    /// An answer with exactly these body bytes.
    pub fn raw(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Waits this long before answering.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

#[derive(Default)]
struct Script {
    queue: Mutex<VecDeque<Answer>>,
    standing: Mutex<Option<Answer>>,
    received: Mutex<Vec<Received>>,
}

/// The running server.
pub struct Scripted {
    pub url: String,
    script: Arc<Script>,
}

impl Scripted {
    pub async fn start() -> Self {
        let script = Arc::new(Script::default());
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, script }
    }

    /// Queues answers, played in order.
    pub fn then(&self, answer: Answer) -> &Self {
        self.script.queue.lock().unwrap().push_back(answer);
        self
    }

    /// The answer to every request once the queue is empty.
    pub fn always(&self, answer: Answer) -> &Self {
        *self.script.standing.lock().unwrap() = Some(answer);
        self
    }

    pub fn received(&self) -> Vec<Received> {
        self.script.received.lock().unwrap().clone()
    }
}

async fn answer(
    State(script): State<Arc<Script>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    script.received.lock().unwrap().push(Received::new(
        method.as_str(),
        uri.path(),
        headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        body,
    ));
    let next = script.queue.lock().unwrap().pop_front();
    let Some(answer) = next.or_else(|| script.standing.lock().unwrap().clone()) else {
        return (StatusCode::IM_A_TEAPOT, "the script has no answer left").into_response();
    };
    tokio::time::sleep(answer.delay).await;
    let mut response = (StatusCode::from_u16(answer.status).unwrap(), answer.body).into_response();
    for (name, value) in &answer.headers {
        response.headers_mut().insert(
            axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    response
}
