//! Start at login on Linux: an XDG autostart entry, `$XDG_CONFIG_HOME/autostart/taupy-<id>.desktop`
//! (default `~/.config/autostart`), which desktop sessions run at login (XDG Autostart spec).

use crate::desktop::AppEntry;
use std::fs;
use std::path::PathBuf;

fn path(app: &AppEntry) -> Result<PathBuf, String> {
    let config = match std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from).filter(|p| p.is_absolute()) {
        Some(c) => c,
        None => PathBuf::from(std::env::var_os("HOME").ok_or("HOME is not set")?).join(".config"),
    };
    Ok(config.join("autostart").join(super::protocols::file_name(app)))
}

pub fn set(app: &AppEntry, enabled: bool) -> Result<(), String> {
    let p = path(app)?;
    if !enabled {
        return match fs::remove_file(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(format!("{}: {}", p.display(), e)),
            _ => Ok(()),
        };
    }
    let name: String = app.name.chars().filter(|c| !c.is_control()).collect();
    let text = format!(
        "[Desktop Entry]\nType=Application\nName={}\nExec={}\nTerminal=false\nX-GNOME-Autostart-enabled=true\nX-Taupy-App-Id={}\n",
        name,
        super::protocols::exec_line(app.command)?,
        app.id
    );
    let dir = p.parent().expect("a folder");
    fs::create_dir_all(dir).map_err(|e| format!("{}: {}", dir.display(), e))?;
    let tmp = dir.join(format!(".autostart.{}", std::process::id()));
    fs::write(&tmp, text).and_then(|_| fs::rename(&tmp, &p)).map_err(|e| format!("{}: {}", p.display(), e))
}

/// Whether our entry is there and not switched off (`Hidden=true`, which a session's settings
/// may write, means off).
pub fn get(app: &AppEntry) -> bool {
    match path(app).ok().and_then(|p| fs::read_to_string(p).ok()) {
        Some(t) => !t.lines().any(|l| l.trim() == "Hidden=true" || l.trim() == "X-GNOME-Autostart-enabled=false"),
        None => false,
    }
}
