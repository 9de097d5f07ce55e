//! A cached token, refreshed by one caller at a time.

use std::future::Future;
use std::sync::Mutex;
use std::time::Instant;

use super::AccessToken;
use crate::error::Error;

/// Holds the current token. Readers take it without waiting; when it is due for refresh, one
/// caller fetches a new one while the others wait for that fetch instead of starting their own.
#[derive(Debug, Default)]
pub(crate) struct TokenCache {
    current: Mutex<Option<AccessToken>>,
    refreshing: tokio::sync::Mutex<()>,
}

impl TokenCache {
    pub async fn get_or_fetch<F, Fut>(&self, fetch: F) -> Result<AccessToken, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<AccessToken, Error>>,
    {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let _one_at_a_time = self.refreshing.lock().await;
        // Whoever held the lock before us may have refreshed it already.
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let token = fetch().await?;
        if let Ok(mut current) = self.current.lock() {
            *current = Some(token.clone());
        }
        Ok(token)
    }

    /// Drops `rejected` if it is still the current token (another caller may have replaced it).
    pub fn invalidate(&self, rejected: &AccessToken) {
        if let Ok(mut current) = self.current.lock()
            && current.as_ref().is_some_and(|t| t.same_as(rejected))
        {
            *current = None;
        }
    }

    fn fresh(&self) -> Option<AccessToken> {
        let current = self.current.lock().ok()?;
        current
            .as_ref()
            .filter(|t| t.is_fresh_at(Instant::now()))
            .cloned()
    }
}
