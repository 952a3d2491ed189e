//! Starting a browser on the login page: `$BROWSER URL` (or `%s` in its words), else the
//! OS opener; never waited for.

use std::process::{Command, Stdio};

use crate::auth::login_steps::Launch;

/// Open `url` with `browser` (the value of `$BROWSER`: a command, `%s` standing for the
/// URL, else the URL is its last argument), else the OS opener. Not waited for: the login
/// goes on whatever the browser does; its output does not reach the terminal.
pub fn open_in_browser(url: &str, browser: Option<&str>) -> Launch {
    let (program, args) = match browser.map(str::trim).filter(|b| !b.is_empty()) {
        Some(command) => {
            let mut words = command.split_whitespace().map(str::to_string);
            let Some(program) = words.next() else {
                return Launch::Failed("$BROWSER is empty".to_string());
            };
            let mut args: Vec<String> = words.collect();
            if args.iter().any(|arg| arg.contains("%s")) {
                for arg in &mut args {
                    *arg = arg.replace("%s", url);
                }
            } else {
                args.push(url.to_string());
            }
            (program, args)
        }
        None => os_opener(url),
    };
    let spawned = Command::new(&program)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match spawned {
        Ok(mut child) => {
            // Reaped in the background, so no zombie is left while the login waits.
            std::thread::spawn(move || child.wait());
            Launch::Opened
        }
        Err(error) => Launch::Failed(format!("{program}: {error}")),
    }
}

fn os_opener(url: &str) -> (String, Vec<String>) {
    if cfg!(target_os = "macos") {
        ("open".to_string(), vec![url.to_string()])
    } else if cfg!(target_os = "windows") {
        // `start` goes through cmd, which reads `&` in a query as a command separator.
        (
            "rundll32".to_string(),
            vec!["url.dll,FileProtocolHandler".to_string(), url.to_string()],
        )
    } else {
        ("xdg-open".to_string(), vec![url.to_string()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[cfg(unix)]
    #[test]
    fn browser_gets_the_url_as_its_last_argument_or_in_place_of_percent_s() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("url");
        let script = dir.path().join("browser.sh");
        std::fs::write(
            &script,
            "#!/bin/sh\nprintf '%s|' \"$@\" > \"$OUT.tmp\" && mv \"$OUT.tmp\" \"$OUT\"\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        // SAFETY-free: the script reads OUT from its environment, set for the child only.
        let read = |command: String| {
            let _ = std::fs::remove_file(&out);
            let command = format!("env OUT={} {command}", out.display());
            assert_eq!(
                open_in_browser("http://x/?a=1&b=2", Some(&command)),
                Launch::Opened
            );
            // The script's file is the event, looked for every 20 ms; 5 s is the named
            // deadline of a script that never writes it.
            let deadline = std::time::Instant::now() + Duration::from_secs(5);
            while !out.exists() && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            std::fs::read_to_string(&out).unwrap()
        };
        assert_eq!(
            read(format!("{} --new", script.display())),
            "--new|http://x/?a=1&b=2|"
        );
        assert_eq!(
            read(format!("{} --url=%s --x", script.display())),
            "--url=http://x/?a=1&b=2|--x|"
        );
        assert!(matches!(
            open_in_browser("http://x/", Some("/nonexistent/browser")),
            Launch::Failed(reason) if reason.contains("/nonexistent/browser")
        ));
    }
}
