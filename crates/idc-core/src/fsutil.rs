//! Private files: 0700 directories, 0600 files written atomically (temp file in the same
//! directory + rename), and cross-process exclusive locks on `.lock` files.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

pub(crate) fn io_error(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    let context = context.into();
    move |source| Error::Io { context, source }
}

/// Create `dir` (and parents) 0700, or check the one that is there. Directories created
/// here are 0700 from the start (not after a chmod), so a permissive umask never leaves a
/// world-writable parent in which another user could swap the private directory. A
/// directory that was already there is never chmod-ed (`IDC_CACHE_DIR=$HOME` must not
/// make the home directory 0700, nor `IDC_CACHE_DIR=/tmp` as root change /tmp): it is
/// checked instead, and refused when another user owns it or may write to it.
pub(crate) fn ensure_private_dir(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder
            .create(dir)
            .map_err(io_error(format!("cannot create {}", dir.display())))?;
    }
    check_dir(dir)
}

/// Refuse a directory another user owns or may write to: they could swap its files.
pub(crate) fn check_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let metadata =
            fs::metadata(dir).map_err(io_error(format!("cannot read {}", dir.display())))?;
        check_owner_and_mode(dir, &metadata)?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(unix)]
fn check_owner_and_mode(path: &Path, metadata: &fs::Metadata) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let unsafe_because = if metadata.uid() != rustix::process::geteuid().as_raw() {
        Some("it belongs to another user")
    } else if metadata.mode() & 0o022 != 0 {
        Some("other users may write to it (group or world writable)")
    } else {
        None
    };
    match unsafe_because {
        Some(reason) => Err(Error::UnsafePath {
            path: path.to_path_buf(),
            reason: format!(
                "{reason}; fix its owner or permissions (chmod go-w), or point IDC_CONFIG_DIR / IDC_CACHE_DIR elsewhere"
            ),
        }),
        None => Ok(()),
    }
}

/// Read a private file: `None` when it is missing. A symlink is refused, never followed,
/// and so is a file (or directory) another user owns or may write to: whoever could write
/// it could choose the tenant idc sends credentials to.
pub(crate) fn read_private(path: &Path) -> Result<Option<Vec<u8>>> {
    use std::io::Read;
    if let Some(dir) = path.parent()
        && dir.is_dir()
    {
        check_dir(dir)?;
    }
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    }
    let mut file = match options.open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            let is_symlink = fs::symlink_metadata(path)
                .map(|metadata| metadata.file_type().is_symlink())
                .unwrap_or(false);
            if is_symlink {
                return Err(Error::UnsafePath {
                    path: path.to_path_buf(),
                    reason: "it is a symbolic link, which idc does not follow".to_string(),
                });
            }
            return Err(io_error(format!("cannot read {}", path.display()))(error));
        }
    };
    #[cfg(unix)]
    {
        // The checks are on the file opened, so it cannot be swapped in between.
        let metadata = file
            .metadata()
            .map_err(io_error(format!("cannot read {}", path.display())))?;
        check_owner_and_mode(path, &metadata)?;
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(io_error(format!("cannot read {}", path.display())))?;
    Ok(Some(bytes))
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

/// The longest wait for a lock another process holds: a process that took it and hung
/// must not block every other caller forever.
pub(crate) const LOCK_WAIT: Duration = Duration::from_secs(30);

/// Wait (at most [`LOCK_WAIT`]) until this process holds the exclusive lock on `path`
/// (created 0600 if missing); past the wait, an error naming the lock file.
pub(crate) fn lock_exclusive(path: &Path) -> Result<FileLock> {
    lock_exclusive_within(path, LOCK_WAIT)?.ok_or_else(|| Error::Io {
        context: format!(
            "cannot lock {}: another process has held it for more than {} s (a hung idc or git-credential-idc? end it)",
            path.display(),
            LOCK_WAIT.as_secs()
        ),
        source: std::io::Error::from(std::io::ErrorKind::TimedOut),
    })
}

/// The exclusive lock on `path` if it can be had within `wait`, else `None`.
pub(crate) fn lock_exclusive_within(path: &Path, wait: Duration) -> Result<Option<FileLock>> {
    if let Some(dir) = path.parent() {
        ensure_private_dir(dir)?;
    }
    let file = open_private(path, false)
        .map_err(io_error(format!("cannot open lock {}", path.display())))?;
    let deadline = crate::limits::deadline_after(wait);
    let mut pause = Duration::from_millis(5);
    loop {
        match fs4::fs_std::FileExt::try_lock_exclusive(&file) {
            Ok(true) => return Ok(Some(FileLock { _file: file })),
            Ok(false) => {}
            Err(error) => {
                return Err(Error::Io {
                    context: format!("cannot lock {}", path.display()),
                    source: error,
                });
            }
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(None);
        }
        // Short pauses first (a renewal usually takes well under a second), then longer.
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(200));
    }
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

    #[cfg(unix)]
    #[test]
    fn created_parents_are_private_whatever_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("p/q/idc/x.json");
        // The umask is process-wide: a child process keeps it away from parallel tests.
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg("umask 000; exec \"$0\" --exact fsutil::tests::write_under_env_path --nocapture")
            .arg(std::env::current_exe().unwrap())
            .env("IDC_FSUTIL_TEST_FILE", &file)
            .status()
            .unwrap();
        assert!(status.success());
        for dir in ["p", "p/q", "p/q/idc"] {
            let mode = fs::metadata(root.path().join(dir))
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o700, "{dir}");
        }
        let mode = fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    /// Helper of the umask test: runs in a child process with `umask 000`.
    #[test]
    fn write_under_env_path() {
        if let Some(path) = std::env::var_os("IDC_FSUTIL_TEST_FILE") {
            write_atomic(Path::new(&path), b"x").unwrap();
        }
    }

    #[test]
    fn a_crash_before_the_rename_leaves_the_old_file() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("x.json");
        write_atomic(&file, b"old").unwrap();
        // What a process killed mid-write leaves: a partial temp file beside the target.
        fs::write(root.path().join(".x.json.1.dead.tmp"), b"ne").unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"old");
        write_atomic(&file, b"new").unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"new");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_in_place_of_the_file_is_replaced_not_followed() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let elsewhere = root.path().join("elsewhere.txt");
        fs::write(&elsewhere, b"untouched").unwrap();
        fs::set_permissions(&elsewhere, fs::Permissions::from_mode(0o644)).unwrap();
        let dir = root.path().join("cache");
        ensure_private_dir(&dir).unwrap();
        let file = dir.join("x.json");
        std::os::unix::fs::symlink(&elsewhere, &file).unwrap();
        write_atomic(&file, b"secret").unwrap();
        assert_eq!(fs::read(&elsewhere).unwrap(), b"untouched");
        assert!(
            !fs::symlink_metadata(&file)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_existing_directory_is_checked_never_chmod_ed() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let shared = root.path().join("home");
        fs::create_dir(&shared).unwrap();
        fs::set_permissions(&shared, fs::Permissions::from_mode(0o755)).unwrap();
        ensure_private_dir(&shared).unwrap();
        let mode = fs::metadata(&shared).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o755, "a directory idc did not create keeps its mode");
        fs::set_permissions(&shared, fs::Permissions::from_mode(0o777)).unwrap();
        let error = ensure_private_dir(&shared).unwrap_err().to_string();
        assert!(error.contains("other users may write"), "{error}");
        let mode = fs::metadata(&shared).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o777);
        // A world-writable directory with a sticky bit (/tmp) is refused as well.
        fs::set_permissions(&shared, fs::Permissions::from_mode(0o1777)).unwrap();
        assert!(ensure_private_dir(&shared).is_err());
        fs::set_permissions(&shared, fs::Permissions::from_mode(0o700)).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn reads_refuse_symlinks_and_writable_files() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("idc");
        let file = dir.join("config.toml");
        assert_eq!(read_private(&file).unwrap(), None);
        write_atomic(&file, b"ok").unwrap();
        assert_eq!(read_private(&file).unwrap().as_deref(), Some(&b"ok"[..]));
        fs::set_permissions(&file, fs::Permissions::from_mode(0o666)).unwrap();
        let error = read_private(&file).unwrap_err().to_string();
        assert!(error.contains("other users may write"), "{error}");
        fs::remove_file(&file).unwrap();
        let elsewhere = root.path().join("elsewhere");
        fs::write(&elsewhere, b"theirs").unwrap();
        std::os::unix::fs::symlink(&elsewhere, &file).unwrap();
        let error = read_private(&file).unwrap_err().to_string();
        assert!(error.contains("symbolic link"), "{error}");
        fs::remove_file(&file).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
        assert!(read_private(&file).is_err(), "a world-writable directory");
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

    #[cfg(unix)]
    #[test]
    fn a_lock_held_by_a_hung_process_is_waited_for_only_so_long() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("entry.lock");
        fs::write(&path, b"").unwrap();
        // Another process takes the lock and hangs (flock(1) uses flock(2), as fs4 does).
        // `exec` keeps one process holding the descriptor, so killing it frees the lock.
        let mut holder = match std::process::Command::new("sh")
            .args(["-c", "exec 9<>\"$0\" && flock 9 && exec sleep 60"])
            .arg(&path)
            .spawn()
        {
            Ok(child) => child,
            Err(_) => return, // no flock(1) on this machine
        };
        let probe = open_private(&path, false).unwrap();
        // The other process holding the lock is the event, looked for every 20 ms; 10 s is
        // the named deadline of a flock(1) that never takes it.
        let started = Instant::now();
        while fs4::fs_std::FileExt::try_lock_exclusive(&probe).unwrap_or(false) {
            fs4::fs_std::FileExt::unlock(&probe).unwrap();
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "flock never locked"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let started = Instant::now();
        let waited = lock_exclusive_within(&path, Duration::from_millis(300)).unwrap();
        assert!(waited.is_none());
        let elapsed = started.elapsed();
        assert!(
            elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(5),
            "{elapsed:?}"
        );
        holder.kill().unwrap();
        holder.wait().unwrap();
        assert!(
            lock_exclusive_within(&path, Duration::from_secs(5))
                .unwrap()
                .is_some()
        );
    }
}
