//! Where a refresh token is kept between runs. Azure AD rotates it on every exchange (a new
//! one comes with each access token) and a refresh token lives 90 days: a program that keeps
//! only the first one it was given signs in again far more often than it needs to, and one
//! that keeps none of them cannot run unattended.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Auth, Error, ErrorKind};

/// What a [`RefreshTokenStore`] fails with: any error of its own. The provider makes it an
/// [`ErrorKind::Auth`](crate::ErrorKind::Auth) error that names the store and keeps it as its
/// source.
pub type StoreError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Keeps the refresh token a [`RefreshToken`](super::RefreshToken) provider uses: it reads the
/// first from the store ([`RefreshToken::from_store`](super::RefreshToken::from_store)) and
/// hands every rotated one to [`save`](Self::save) before the access token that came with it
/// is used.
///
/// Implement it for a secret store (a key vault, the OS keyring); [`FileStore`] keeps the
/// token in a file.
///
/// ```
/// use std::sync::Mutex;
/// use partner_center_carts::auth::{RefreshTokenStore, StoreError};
/// use secrecy::SecretString;
///
/// #[derive(Debug, Default)]
/// struct InMemory(Mutex<Option<SecretString>>);
///
/// impl RefreshTokenStore for InMemory {
///     fn load(&self) -> Result<Option<SecretString>, StoreError> {
///         Ok(self.0.lock().map_err(|_| "poisoned")?.clone())
///     }
///     fn save(&self, token: &SecretString) -> Result<(), StoreError> {
///         *self.0.lock().map_err(|_| "poisoned")? = Some(token.clone());
///         Ok(())
///     }
/// }
/// ```
pub trait RefreshTokenStore: Send + Sync + fmt::Debug + 'static {
    /// The refresh token kept, if any.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    fn load(&self) -> Result<Option<SecretString>, StoreError>;

    /// Keeps `token` in place of the one kept. Called from the token request, after Azure AD
    /// answered and before its access token is used.
    ///
    /// # Errors
    ///
    /// When it cannot be kept. The provider then fails the token request with this error
    /// rather than go on with a token the next run will not have; it keeps the new token in
    /// memory, so the next request of this process exchanges the newest one (and offers its
    /// rotation to the store again).
    ///
    /// It is called from the async token request, on the runtime's thread: keep it short (a
    /// small file, as [`FileStore`] writes), or hand slow work to a thread of its own.
    fn save(&self, token: &SecretString) -> Result<(), StoreError>;
}

/// A refresh token kept in a file, readable by its owner only.
///
/// [`save`](RefreshTokenStore::save) writes a new file beside it (mode 0600 on Unix), flushes
/// it to disk and renames it over the old one, so a crash leaves the old token or the new one,
/// never a part. [`load`](RefreshTokenStore::load) refuses a file that others can read or
/// write, as ssh does for a private key. The file holds the token alone, on one line.
/// `pc-carts` uses one when `PARTNER_CENTER_REFRESH_TOKEN_FILE` is set.
///
/// ```no_run
/// use partner_center_carts::auth::{FileStore, RefreshToken};
///
/// let store = FileStore::new("/var/lib/billing/refresh-token");
/// let tokens = RefreshToken::from_store("contoso.onmicrosoft.com", "app-id", store)?;
/// # Ok::<(), partner_center_carts::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    /// A store in the file at `path` (which need not exist yet).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn failed(&self, what: &str, e: &io::Error) -> StoreError {
        format!("the refresh token file {} {what}: {e}", self.path.display()).into()
    }
}

impl RefreshTokenStore for FileStore {
    fn load(&self) -> Result<Option<SecretString>, StoreError> {
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => SecretString::from(text),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.failed("cannot be read", &e)),
        };
        refuse_if_shared(&self.path)?;
        let token = text.expose_secret().trim();
        Ok((!token.is_empty()).then(|| SecretString::from(token.to_string())))
    }

    fn save(&self, token: &SecretString) -> Result<(), StoreError> {
        let directory = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let name = self.path.file_name().unwrap_or_default().to_string_lossy();
        let temporary = directory.join(format!(".{name}.{:016x}.tmp", fastrand::u64(..)));
        let written = write_private(&temporary, token).and_then(|()| {
            fs::rename(&temporary, &self.path)?;
            sync_directory(directory)
        });
        written.map_err(|e| {
            let _ = fs::remove_file(&temporary);
            self.failed("cannot be written", &e)
        })
    }
}

/// The token `store` keeps; its failure as the provider's error, which names the store and
/// keeps the failure as its source.
pub(crate) fn load(store: &dyn RefreshTokenStore) -> Result<Option<SecretString>, Error> {
    store
        .load()
        .map_err(|e| failed(format!("{store:?} could not be read"), e))
}

/// Keeps `token` in `store`; its failure as [`load`]'s.
pub(crate) fn save(store: &dyn RefreshTokenStore, token: &SecretString) -> Result<(), Error> {
    store.save(token).map_err(|e| {
        failed(
            format!("{store:?} could not keep the rotated refresh token"),
            e,
        )
    })
}

fn failed(what: String, e: StoreError) -> Error {
    Error::new(ErrorKind::Auth(Auth::new(format!("{what}: {e}"), None))).with_source(e)
}

/// Writes `token` to a new file readable by its owner only, and flushes it to disk.
fn write_private(path: &Path, token: &SecretString) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(token.expose_secret().as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

/// Flushes a rename in `directory` to disk (on Unix; elsewhere the rename is all there is).
fn sync_directory(directory: &Path) -> io::Result<()> {
    #[cfg(unix)]
    fs::File::open(directory)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = directory;
    Ok(())
}

/// Refuses a token file that its group or others may read or write.
fn refuse_if_shared(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0);
        if mode & 0o077 != 0 {
            return Err(format!(
                "the refresh token file {} can be read or written by others (mode {mode:o}): \
                 run `chmod 600` on it",
                path.display()
            )
            .into());
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "pcc-store-{}-{name}-{:x}",
            std::process::id(),
            fastrand::u64(..)
        ));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_saved_token_is_loaded_back_and_the_file_is_private() {
        let dir = scratch("saved");
        let store = FileStore::new(dir.join("token"));
        assert!(store.load().unwrap().is_none());
        store.save(&SecretString::from("first")).unwrap();
        store.save(&SecretString::from("second")).unwrap();
        assert_eq!(store.load().unwrap().unwrap().expose_secret(), "second");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(store.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Nothing is left beside it.
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_can_read_is_refused_and_its_error_shows_no_token() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch("shared");
        let path = dir.join("token");
        fs::write(&path, "secret-refresh-token\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let e = FileStore::new(&path).load().unwrap_err();
        let words = e.to_string();
        assert!(words.contains("chmod 600"), "{words}");
        assert!(!words.contains("secret-refresh-token"), "{words}");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_store_that_cannot_be_written_says_where() {
        let dir = scratch("missing");
        let store = FileStore::new(dir.join("no-such-directory").join("token"));
        let e = store.save(&SecretString::from("t")).unwrap_err();
        assert!(e.to_string().contains("cannot be written"), "{e}");
        fs::remove_dir_all(dir).unwrap();
    }
}
