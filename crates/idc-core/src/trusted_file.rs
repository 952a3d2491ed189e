//! Files idc reads but does not write: a CA bundle, and every file a secret comes from (a
//! service account's private JWK, `--password-file`, `--secret-file`). One set of rules
//! for all of them, checked on the file actually opened:
//!
//! - the path is absolute: a relative one names another file in every directory git or nu
//!   runs in (a cloned repository could plant `sa.jwk -> /dev/zero`);
//! - it is a regular file: a FIFO would hang the read forever, `/dev/zero` would fill the
//!   memory (it is opened non-blocking, so even a FIFO is refused at once);
//! - it belongs to the user or root and nobody else may write it or its directory (unless
//!   that is sticky, as `/tmp`): whoever could write it could choose the key or the CA;
//! - it is not larger than a cap (64 KiB for a secret).
//!
//! Symlinks are followed (a bundle in `/etc/ssl/certs`, a Kubernetes secret mount are
//! symlinks); the checks are on the final target. Errors name the path, never the content.

use std::fs::{self, File, OpenOptions};
use std::io::Read;
use std::path::Path;

use crate::secret::Secret;

/// The largest secret file read: a 4096-bit RSA JWK is about 3.3 KiB.
pub(crate) const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;

/// The largest CA bundle read (the system bundles are about 200 KiB).
pub(crate) const MAX_CA_BUNDLE_BYTES: u64 = 4 * 1024 * 1024;

/// Read a file idc trusts but does not own the content of (a CA bundle), or say why not.
pub(crate) fn read_trusted(path: &Path) -> std::result::Result<Vec<u8>, String> {
    read_checked(path, MAX_CA_BUNDLE_BYTES)
}

/// Read a file a secret comes from (private key, password, client secret), or say why not
/// (never quoting what it holds).
pub fn read_secret_file(path: &Path) -> std::result::Result<Secret<Vec<u8>>, String> {
    read_checked(path, MAX_SECRET_FILE_BYTES).map(Secret::new)
}

fn read_checked(path: &Path, max_bytes: u64) -> std::result::Result<Vec<u8>, String> {
    if !path.is_absolute() {
        return Err("it is a relative path: give an absolute one".to_string());
    }
    let file = open_without_blocking(path).map_err(|error| describe_open_error(path, &error))?;
    let metadata = file
        .metadata()
        .map_err(|error| format!("cannot read it: {}", error.kind()))?;
    if !metadata.is_file() {
        return Err(format!(
            "it is not a regular file but {}: give the path of a file",
            kind_of(&metadata)
        ));
    }
    #[cfg(unix)]
    check_owner(path, &metadata)?;
    if metadata.len() > max_bytes {
        return Err(format!(
            "it is larger than {} KiB, too large for what idc reads there",
            max_bytes / 1024
        ));
    }
    let mut bytes = Vec::new();
    // The cap holds even if the file grows after the check.
    file.take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| format!("cannot read it: {}", error.kind()))?;
    if bytes.len() as u64 > max_bytes {
        return Err(format!(
            "it is larger than {} KiB, too large for what idc reads there",
            max_bytes / 1024
        ));
    }
    Ok(bytes)
}

fn open_without_blocking(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Opening a FIFO for reading blocks until a writer comes; non-blocking, it does not,
        // and the regular-file check refuses it.
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    options.open(path)
}

fn describe_open_error(path: &Path, error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied: cannot read it".to_string(),
        _ if path.is_dir() => "it is a directory, not a file".to_string(),
        kind => format!("cannot read it ({kind})"),
    }
}

fn kind_of(metadata: &fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = metadata.file_type();
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if metadata.is_dir() {
        "a directory"
    } else {
        "something else"
    }
}

#[cfg(unix)]
fn check_owner(path: &Path, metadata: &fs::Metadata) -> std::result::Result<(), String> {
    let target = fs::canonicalize(path).map_err(|error| format!("cannot read it: {error}"))?;
    let shown = if target == path {
        "it".to_string()
    } else {
        format!("its target {}", target.display())
    };
    if let Some(reason) = untrusted_owner_or_mode(metadata, false) {
        return Err(format!(
            "refusing it: {shown} {reason}; fix its owner or permissions (chmod go-w)"
        ));
    }
    if let Some(dir) = target.parent() {
        let dir_metadata =
            fs::metadata(dir).map_err(|error| format!("cannot read {}: {error}", dir.display()))?;
        if let Some(reason) = untrusted_owner_or_mode(&dir_metadata, true) {
            return Err(format!(
                "refusing it: its directory {} {reason}, so the file could be swapped",
                dir.display()
            ));
        }
    }
    Ok(())
}

/// Why a trusted file or directory could be changed by someone else: owned by another
/// user than us or root, or group/world writable (for a directory, unless sticky).
#[cfg(unix)]
fn untrusted_owner_or_mode(metadata: &fs::Metadata, is_dir: bool) -> Option<&'static str> {
    use std::os::unix::fs::MetadataExt;
    let owner = metadata.uid();
    if owner != 0 && owner != rustix::process::geteuid().as_raw() {
        Some("belongs to another user")
    } else if metadata.mode() & 0o022 != 0 && !(is_dir && metadata.mode() & 0o1000 != 0) {
        Some("may be written by other users (group or world writable)")
    } else {
        None
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn trusted_files_are_absolute_and_only_ours_or_roots() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("ca.pem");
        fs::write(&file, b"pem").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(read_trusted(&file).unwrap(), b"pem");
        let error = read_trusted(Path::new("ca.pem")).unwrap_err();
        assert!(error.contains("relative"), "{error}");
        // Through a symlink, the target is what is checked.
        let link = root.path().join("link.pem");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert_eq!(read_trusted(&link).unwrap(), b"pem");
        fs::set_permissions(&file, fs::Permissions::from_mode(0o666)).unwrap();
        let error = read_trusted(&link).unwrap_err();
        assert!(
            error.contains("its target") && error.contains("world writable"),
            "{error}"
        );
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        // A directory others may write to (not sticky) could swap the bundle.
        fs::set_permissions(root.path(), fs::Permissions::from_mode(0o777)).unwrap();
        assert!(read_trusted(&file).unwrap_err().contains("directory"));
        fs::set_permissions(root.path(), fs::Permissions::from_mode(0o1777)).unwrap();
        assert!(read_trusted(&file).is_ok());
        fs::set_permissions(root.path(), fs::Permissions::from_mode(0o700)).unwrap();
    }

    #[test]
    fn secret_files_are_regular_and_small() {
        let root = tempfile::tempdir().unwrap();
        let fifo = root.path().join("sa.jwk");
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .unwrap();
        // Returns at once, though no one writes the FIFO.
        let error = read_secret_file(&fifo).unwrap_err();
        assert!(error.contains("FIFO"), "{error}");
        let error = read_secret_file(Path::new("/dev/zero")).unwrap_err();
        assert!(error.contains("device"), "{error}");
        let big = root.path().join("big.jwk");
        fs::write(&big, vec![b'{'; 64 * 1024 + 1]).unwrap();
        let error = read_secret_file(&big).unwrap_err();
        assert!(error.contains("64 KiB"), "{error}");
        fs::write(&big, b"{}").unwrap();
        assert_eq!(read_secret_file(&big).unwrap().expose(), b"{}");
    }
}
