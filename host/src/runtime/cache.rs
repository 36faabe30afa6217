//! The compiled-module cache's directory. wasmtime loads native code from it and runs it
//! as plugin code, so it must be this user's alone: it is created private (0700), and an
//! existing one is refused when another user owns it or may write to it (a planted file
//! would run inside the service). Only the user's own read bits on group or others are
//! taken away silently.

use std::path::Path;

/// Prepares `dir` for the cache, or says why it cannot be trusted.
///
/// # Errors
///
/// A message naming the directory and what is wrong with it.
pub(crate) fn prepare(dir: &Path) -> Result<(), String> {
    let shown = dir.display();
    if !dir.exists() {
        create_private(dir).map_err(|e| format!("cannot create the module cache {shown}: {e}"))?;
    }
    check_private(dir)
}

#[cfg(unix)]
fn create_private(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn check_private(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let shown = dir.display();
    let meta =
        std::fs::metadata(dir).map_err(|e| format!("cannot read the module cache {shown}: {e}"))?;
    if !meta.is_dir() {
        return Err(format!("the module cache {shown} is not a directory"));
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Err(format!(
            "the module cache {shown} belongs to user {}, not to this user ({me}): compiled \
             code in it would run as plugin code; choose a directory of your own \
             (--module-cache)",
            meta.uid()
        ));
    }
    let mode = meta.mode() & 0o777;
    if mode & 0o022 != 0 {
        return Err(format!(
            "the module cache {shown} is writable by other users (mode {mode:o}): compiled \
             code planted in it would run as plugin code; make it private (chmod 700) or \
             choose another (--module-cache)"
        ));
    }
    if mode & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| format!("cannot make the module cache {shown} private: {e}"))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_dir: &Path) -> Result<(), String> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::prepare;

    #[test]
    fn a_new_cache_is_private_and_a_shared_one_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b/cache");
        prepare(&dir).unwrap();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);

        // Readable by others: tightened, since this user owns it.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        prepare(&dir).unwrap();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);

        // Writable by others: someone may have planted code already.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = prepare(&dir).unwrap_err();
        assert!(err.contains("writable by other users"), "{err}");
    }

    #[test]
    fn a_cache_another_user_owns_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("theirs");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        // Give it away when this process may (as root); otherwise a directory of root's
        // stands in for another user's.
        let theirs = if std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).is_ok() {
            dir
        } else {
            std::path::PathBuf::from("/")
        };
        let me = rustix::process::geteuid().as_raw();
        if me == 0 && theirs == std::path::Path::new("/") {
            panic!("as root, chown must succeed");
        }
        let err = prepare(&theirs).unwrap_err();
        assert!(err.contains("belongs to user"), "{err}");
    }
}
