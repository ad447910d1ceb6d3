//! URL schemes on Linux, the freedesktop way: a `.desktop` file with
//! `MimeType=x-scheme-handler/<scheme>;` in `$XDG_DATA_HOME/applications` (per user), made the
//! default with `xdg-mime default`, and the folder's mimeinfo cache refreshed with
//! `update-desktop-database` when it is installed. Unregistering removes both.

use crate::desktop::AppEntry;
use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn applications_dir() -> Result<PathBuf, String> {
    let data = match std::env::var_os("XDG_DATA_HOME").map(PathBuf::from).filter(|p| p.is_absolute()) {
        Some(d) => d,
        None => PathBuf::from(std::env::var_os("HOME").ok_or("HOME is not set")?).join(".local/share"),
    };
    Ok(data.join("applications"))
}

pub fn file_name(app: &AppEntry) -> String {
    format!("taupy-{}.desktop", crate::instance::key(app.id))
}

/// One argument of an `Exec=` line (Desktop Entry spec: quoting, then `%` doubled, then the
/// string escape of `\`). Newlines and other control characters cannot be written.
fn exec_arg(a: &str) -> Result<String, String> {
    if a.chars().any(|c| c.is_control()) {
        return Err(format!("cannot put an argument with a control character in a .desktop file: {:?}", a));
    }
    let plain = !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "/-_.,:=+@%".contains(c));
    let quoted = if plain {
        a.to_string()
    } else {
        let mut q = String::from("\"");
        for c in a.chars() {
            if matches!(c, '"' | '`' | '$' | '\\') {
                q.push('\\');
            }
            q.push(c);
        }
        q.push('"');
        q
    };
    Ok(quoted.replace('%', "%%").replace('\\', "\\\\"))
}

/// A command as the value of `Exec=` (shared with autostart's entry).
pub fn exec_line(command: &[String]) -> Result<String, String> {
    Ok(command.iter().map(|a| exec_arg(a)).collect::<Result<Vec<_>, _>>()?.join(" "))
}

pub fn desktop_file(app: &AppEntry, protocols: &[String]) -> Result<String, String> {
    let exec = exec_line(app.command)?;
    let name: String = app.name.chars().filter(|c| !c.is_control()).collect();
    let mimes: String = protocols.iter().map(|p| format!("x-scheme-handler/{};", p)).collect();
    Ok(format!(
        "[Desktop Entry]\nType=Application\nName={}\nExec={} %u\nTerminal=false\nNoDisplay=true\nMimeType={}\nX-Taupy-App-Id={}\n",
        name, exec, mimes, app.id
    ))
}

fn run(cmd: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(cmd).args(args).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).output();
    match out {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(format!("{} {}: {}", cmd, args.join(" "), String::from_utf8_lossy(&o.stderr).trim())),
        Err(e) => Err(format!("{}: {}", cmd, e)),
    }
}

pub fn register(app: &AppEntry, protocols: &[String]) -> Result<(), String> {
    let dir = applications_dir()?;
    let name = file_name(app);
    let path = dir.join(&name);
    let text = desktop_file(app, protocols)?;
    if fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
        return Ok(()); // registered, and still pointing here
    }
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {}", dir.display(), e))?;
    let tmp = dir.join(format!(".{}.{}", name, std::process::id()));
    fs::write(&tmp, &text).and_then(|_| fs::rename(&tmp, &path)).map_err(|e| format!("{}: {}", path.display(), e))?;
    let dir_s = dir.to_string_lossy().into_owned();
    let _ = run("update-desktop-database", &[&dir_s]); // optional: xdg-mime reads mimeapps.list first
    for p in protocols {
        run("xdg-mime", &["default", &name, &format!("x-scheme-handler/{}", p)])?;
    }
    Ok(())
}

/// Our lines out of `mimeapps.list` (the defaults xdg-mime wrote), other apps' left alone.
fn without_defaults(list: &str, name: &str) -> String {
    let mut out = String::new();
    for line in list.lines() {
        let keep = match line.split_once('=') {
            Some((k, v)) if k.starts_with("x-scheme-handler/") => {
                let rest: Vec<&str> = v.split(';').filter(|d| !d.is_empty() && *d != name).collect();
                if rest.len() != v.split(';').filter(|d| !d.is_empty()).count() {
                    if !rest.is_empty() {
                        out.push_str(&format!("{}={};\n", k, rest.join(";")));
                    }
                    false
                } else {
                    true
                }
            }
            _ => true,
        };
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

pub fn unregister(app: &AppEntry, protocols: &[String]) -> Result<Vec<String>, String> {
    let dir = applications_dir()?;
    let name = file_name(app);
    let path = dir.join(&name);
    let mut removed = Vec::new();
    if path.exists() {
        fs::remove_file(&path).map_err(|e| format!("{}: {}", path.display(), e))?;
        removed = protocols.to_vec();
        let _ = run("update-desktop-database", &[&dir.to_string_lossy()]);
    }
    let config = match std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from).filter(|p| p.is_absolute()) {
        Some(c) => c,
        None => PathBuf::from(std::env::var_os("HOME").ok_or("HOME is not set")?).join(".config"),
    };
    for list in [config.join("mimeapps.list"), dir.join("mimeapps.list")] {
        if let Ok(text) = fs::read_to_string(&list) {
            let new = without_defaults(&text, &name);
            if new != text {
                fs::write(&list, new).map_err(|e| format!("{}: {}", list.display(), e))?;
            }
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_lines_are_quoted_per_the_spec() {
        assert_eq!(exec_arg("/opt/My App/app").unwrap(), "\"/opt/My App/app\"");
        assert_eq!(exec_arg("50%").unwrap(), "50%%");
        assert_eq!(exec_arg("a\"b$c").unwrap(), "\"a\\\\\"b\\\\$c\"");
        assert!(exec_arg("a\nb").is_err());
        let cmd = vec!["/x/taupy-launcher".to_string(), "--title".into(), "My App".into()];
        let app = AppEntry { id: "my-app", name: "My\nApp", command: &cmd };
        let f = desktop_file(&app, &["myapp".into(), "web+my".into()]).unwrap();
        assert!(f.contains("Exec=/x/taupy-launcher --title \"My App\" %u\n"), "{}", f);
        assert!(f.contains("Name=MyApp\n") && f.contains("MimeType=x-scheme-handler/myapp;x-scheme-handler/web+my;\n"));
    }

    #[test]
    fn only_our_defaults_leave_mimeapps_list() {
        let list = "[Default Applications]\nx-scheme-handler/myapp=taupy-a.desktop;\nx-scheme-handler/other=b.desktop;taupy-a.desktop;\ntext/plain=taupy-a.desktop\n";
        assert_eq!(
            without_defaults(list, "taupy-a.desktop"),
            "[Default Applications]\nx-scheme-handler/other=b.desktop;\ntext/plain=taupy-a.desktop\n"
        );
    }
}
