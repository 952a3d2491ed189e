//! Private files: 0700 directories, 0600 files written atomically (temp file in the same
//! directory + rename), and cross-process exclusive locks on `.lock` files.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub(crate) fn io_error(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    let context = context.into();
    move |source| Error::Io { context, source }
}

/// Create `dir` (and parents) and make it 0700.
pub(crate) fn ensure_private_dir(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        fs::create_dir_all(dir).map_err(io_error(format!("cannot create {}", dir.display())))?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir)
            .map_err(io_error(format!("cannot read {}", dir.display())))?
            .permissions()
            .mode();
        if mode & 0o777 != 0o700 {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io_error(
                format!("cannot make {} private (0700)", dir.display()),
            ))?;
        }
    }
    Ok(())
}

fn open_private(path: &Path, create_new: bool) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true);
    if create_new {
        options.create_new(true);
    } else {
        options.create(true).truncate(false);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Replace `path` with `contents` atomically: readers see the old or the new file, never a
/// partial one. The file is 0600 in a 0700 directory.
pub(crate) fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    ensure_private_dir(dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let temp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    let result = (|| {
        let mut file = open_private(&temp, true)?;
        file.write_all(contents)?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result.map_err(io_error(format!("cannot write {}", path.display())))
}

/// An exclusive cross-process lock, held until dropped.
pub(crate) struct FileLock {
    _file: File,
}

/// Block until this process holds the exclusive lock on `path` (created 0600 if missing).
pub(crate) fn lock_exclusive(path: &Path) -> Result<FileLock> {
    if let Some(dir) = path.parent() {
        ensure_private_dir(dir)?;
    }
    let file = open_private(path, false)
        .map_err(io_error(format!("cannot open lock {}", path.display())))?;
    fs4::fs_std::FileExt::lock_exclusive(&file)
        .map_err(io_error(format!("cannot lock {}", path.display())))?;
    Ok(FileLock { _file: file })
}

/// `path` with `.lock` appended.
pub(crate) fn lock_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".lock");
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_makes_private_files_and_dirs() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        let file = dir.join("x.json");
        write_atomic(&file, b"one").unwrap();
        write_atomic(&file, b"two").unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&file).unwrap().permissions().mode() & 0o777,
                0o600
            );
            assert_eq!(
                fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
                0o700
            );
        }
        // No temp files left behind.
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("x.json")]);
    }

    #[test]
    fn lock_is_exclusive_across_handles() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("x.lock");
        let held = lock_exclusive(&path).unwrap();
        let other = open_private(&path, false).unwrap();
        assert!(!fs4::fs_std::FileExt::try_lock_exclusive(&other).unwrap_or(false));
        drop(held);
        assert!(fs4::fs_std::FileExt::try_lock_exclusive(&other).unwrap_or(false));
    }
}
