//! The secret a login takes, read from where the helper's flags say: `--password-stdin` or
//! `--password-file` for a session's password (or, on a terminal, a prompt that does not
//! echo), `--secret-stdin` or `--secret-file` for a client secret, a log API key's secret
//! or a session cookie (which also comes from stdin alone). Which one a login takes is
//! idc-core's answer ([`idc_core::Idc::login_secret_need`]), from the flags and the saved
//! profile, so `login --profile admin` alone logs a session profile in again. A flag that
//! does not belong to the login is refused, naming the login's kind.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use idc_core::{LoginSecret, Secret, SecretNeed};

use crate::cli::LoginArgs;
use crate::error::HelperError;

/// Where the login's flags say a secret comes from.
pub struct SecretFlags {
    password_stdin: bool,
    password_file: Option<std::path::PathBuf>,
    secret_stdin: bool,
    secret_file: Option<std::path::PathBuf>,
}

impl SecretFlags {
    pub fn of(args: &LoginArgs) -> SecretFlags {
        SecretFlags {
            password_stdin: args.password_stdin,
            password_file: args.password_file.clone(),
            secret_stdin: args.secret_stdin,
            secret_file: args.secret_file.clone(),
        }
    }
}

/// The secret for `need`, or none (a login that takes none, a client secret reused).
pub fn read(args: &SecretFlags, need: SecretNeed) -> Result<Option<Secret<String>>, HelperError> {
    let password_flag = if args.password_stdin {
        Some("--password-stdin")
    } else if args.password_file.is_some() {
        Some("--password-file")
    } else {
        None
    };
    let secret_flag = if args.secret_stdin {
        Some("--secret-stdin")
    } else if args.secret_file.is_some() {
        Some("--secret-file")
    } else {
        None
    };
    let Some(secret) = need.secret else {
        if let Some(flag) = password_flag.or(secret_flag) {
            return Err(HelperError::Input(format!(
                "{flag} does not belong to a {} login: it takes no password or secret{}",
                need.flow,
                match need.flow {
                    idc_core::AuthFlow::ServiceAccount => " (it signs with the key of --jwk)",
                    idc_core::AuthFlow::Browser | idc_core::AuthFlow::Device =>
                        " (the tenant's own pages ask for them)",
                    _ => "",
                }
            )));
        }
        return Ok(None);
    };
    if secret == LoginSecret::Password {
        if let Some(flag) = secret_flag {
            return Err(HelperError::Input(format!(
                "{flag} does not belong to a {} login: its password comes from --password-stdin or --password-file (or a prompt on a terminal)",
                need.flow
            )));
        }
    } else if let Some(flag) = password_flag {
        let from = if secret == LoginSecret::SessionCookie {
            "stdin or --secret-file"
        } else {
            "--secret-stdin or --secret-file"
        };
        return Err(HelperError::Input(format!(
            "{flag} does not belong to a {} login: its {secret} comes from {from}",
            need.flow
        )));
    }
    let text = match secret {
        LoginSecret::Password => match (&args.password_file, args.password_stdin) {
            (Some(path), _) => read_secret_file(path, "password")?,
            (None, true) => read_stdin("password")?,
            // Asked for where a person can answer; a script gets the error naming the flags.
            (None, false) if std::io::stdin().is_terminal() => prompt("Password: ")?,
            (None, false) => return Ok(None),
        },
        // The cookie comes from stdin unless a file is named.
        LoginSecret::SessionCookie => match &args.secret_file {
            Some(path) => read_secret_file(path, "session cookie")?,
            None => read_stdin("session cookie")?,
        },
        LoginSecret::ClientSecret { .. } | LoginSecret::LogApiSecret => {
            let what = secret.to_string();
            match (&args.secret_file, args.secret_stdin) {
                (Some(path), _) => read_secret_file(path, &what)?,
                (None, true) => read_stdin(&what)?,
                // A client secret is reused on a login again; else idc-core names the flags.
                (None, false) => return Ok(None),
            }
        }
    };
    match idc_core::secret_from_text(&text) {
        Some(secret) => Ok(Some(secret)),
        None => Err(HelperError::Input(format!("the {secret} is empty"))),
    }
}

fn read_stdin(what: &str) -> Result<String, HelperError> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|error| {
            HelperError::Input(format!("cannot read the {what} from stdin: {error}"))
        })?;
    Ok(text)
}

/// Ask on the terminal (stdin), the answer not echoed: echo off for one line, then the
/// terminal's settings as they were, whatever the read gave.
///
/// The terminal's signal keys are off too (ISIG), as OpenSSH's `readpassphrase` and
/// sudo do it: Ctrl-C would otherwise kill the helper (SIGINT's default) before echo is
/// back, and leave the user's shell typing blind. The interrupt key instead ends the line
/// (it becomes the terminal's extra end-of-line character, VEOL), and the login is
/// cancelled: nothing is saved and the helper exits 130, as a shell does after Ctrl-C.
fn prompt(question: &str) -> Result<String, HelperError> {
    use rustix::termios::{LocalModes, OptionalActions, SpecialCodeIndex, tcgetattr, tcsetattr};
    let stdin = std::io::stdin();
    let cannot = |error: std::io::Error| {
        HelperError::Input(format!(
            "cannot ask for the password on the terminal: {error}"
        ))
    };
    let saved = tcgetattr(&stdin).map_err(|error| cannot(error.into()))?;
    let interrupt = saved.special_codes[SpecialCodeIndex::VINTR];
    let mut quiet = saved.clone();
    quiet
        .local_modes
        .remove(LocalModes::ECHO | LocalModes::ISIG);
    // The newline the user types still moves the cursor on.
    quiet.local_modes.insert(LocalModes::ECHONL);
    quiet.special_codes[SpecialCodeIndex::VEOL] = interrupt;
    // Echo goes off before the question shows, so nothing typed after it is echoed.
    tcsetattr(&stdin, OptionalActions::Now, &quiet).map_err(|error| cannot(error.into()))?;
    let mut stderr = std::io::stderr();
    let read = write!(stderr, "{question}")
        .and_then(|()| stderr.flush())
        .and_then(|()| read_terminal_line(&stdin, interrupt));
    let restored = tcsetattr(&stdin, OptionalActions::Now, &saved);
    let typed = read.map_err(cannot)?;
    restored.map_err(|error| cannot(error.into()))?;
    match typed {
        Typed::Line(line) => String::from_utf8(line)
            .map_err(|_| HelperError::Input("the password typed is not UTF-8 text".to_string())),
        Typed::Interrupted => {
            // The key was not echoed: end the question's line before the error's.
            let _ = writeln!(stderr);
            Err(HelperError::Cancelled)
        }
    }
}

/// What a person typed at the prompt.
enum Typed {
    /// Up to and with the newline (none at end of input).
    Line(Vec<u8>),
    /// The terminal's interrupt key (Ctrl-C) ended the line.
    Interrupted,
}

/// One line from the terminal in canonical mode: the kernel hands it over whole, ended by
/// a newline, the interrupt key (set as VEOL) or end of input. A `_POSIX_VDISABLE`
/// interrupt key (0 on Linux) is none.
fn read_terminal_line(stdin: &std::io::Stdin, interrupt: u8) -> std::io::Result<Typed> {
    let mut line = Vec::new();
    let mut chunk = [0u8; 512];
    loop {
        let count = match rustix::io::read(stdin, &mut chunk) {
            Ok(count) => count,
            Err(rustix::io::Errno::INTR) => continue,
            Err(error) => return Err(error.into()),
        };
        let read = &chunk[..count];
        if interrupt != 0 && read.last() == Some(&interrupt) {
            chunk.fill(0);
            line.fill(0);
            return Ok(Typed::Interrupted);
        }
        let ended = count == 0 || read.last() == Some(&b'\n');
        line.extend_from_slice(read);
        chunk.fill(0);
        if ended {
            return Ok(Typed::Line(line));
        }
    }
}

/// A password or secret file, read with the rules of every file a secret comes from
/// (idc_core::read_secret_file): a FIFO, a device, a file others may write or one over
/// 64 KiB is refused at once. A relative path is the user's, typed here: it is taken from
/// the current directory, as the shell would.
fn read_secret_file(path: &Path, what: &str) -> Result<String, HelperError> {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let bytes = idc_core::read_secret_file(&absolute).map_err(|reason| {
        HelperError::Input(format!(
            "cannot read the {what} from {}: {reason}",
            absolute.display()
        ))
    })?;
    String::from_utf8(bytes.into_inner()).map_err(|_| {
        HelperError::Input(format!(
            "the {what} in {} is not UTF-8 text",
            absolute.display()
        ))
    })
}
