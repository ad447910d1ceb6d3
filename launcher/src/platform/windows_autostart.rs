//! Start at login on Windows: a value named after the app id under
//! `HKCU\Software\Microsoft\Windows\CurrentVersion\Run` holding its command line.

use super::protocols::{delete_value, plain_command_line, read, write};
use crate::desktop::AppEntry;

const RUN: &str = "Software\\Microsoft\\Windows\\CurrentVersion\\Run";

fn value_name(app: &AppEntry) -> String {
    format!("taupy-{}", app.id)
}

pub fn set(app: &AppEntry, enabled: bool) -> Result<(), String> {
    if enabled {
        write(RUN, &[(Some(&value_name(app)), &plain_command_line(app))])
    } else {
        delete_value(RUN, &value_name(app))
    }
}

pub fn get(app: &AppEntry) -> bool {
    read(RUN, Some(&value_name(app))).is_some()
}
