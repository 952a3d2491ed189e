//! Writing an exported private key: a new file, 0600 from its first byte, never a
//! half-written one; an existing file is replaced only when asked, and then atomically.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

fn open_new(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Write `contents` to `path`: a new file (`O_EXCL`), or with `force` a new file beside it
/// renamed over it. The directory is the user's and is left as it is.
pub(crate) fn write_new_private(path: &Path, contents: &[u8], force: bool) -> Result<()> {
    let failed = |error: std::io::Error| Error::Io {
        context: format!("cannot write {}", path.display()),
        source: error,
    };
    if !path.is_absolute() {
        return Err(Error::ServiceAccount(format!(
            "{} is not an absolute path",
            path.display()
        )));
    }
    if path.is_dir() {
        return Err(Error::ServiceAccount(format!(
            "{} is a directory: give the path of the key file to write",
            path.display()
        )));
    }
    let write = |target: &Path| -> std::io::Result<()> {
        let mut file = open_new(target)?;
        file.write_all(contents)?;
        file.sync_all()
    };
    if !force {
        return write(path).map_err(|error| match error.kind() {
            std::io::ErrorKind::AlreadyExists => Error::ServiceAccount(format!(
                "{} exists already: give --force to replace it",
                path.display()
            )),
            _ => failed(error),
        });
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("key");
    let temp = path.with_file_name(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    let result = write(&temp).and_then(|()| std::fs::rename(&temp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_is_private_and_an_existing_one_needs_force() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sa.jwk");
        write_new_private(&path, b"first", false).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let refused = write_new_private(&path, b"second", false)
            .unwrap_err()
            .to_string();
        assert!(refused.contains("--force"), "{refused}");
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        write_new_private(&path, b"second", true).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        // Nothing else is left in the directory.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(write_new_private(Path::new("relative.jwk"), b"x", false).is_err());
        assert!(write_new_private(dir.path(), b"x", true).is_err());
    }
}
