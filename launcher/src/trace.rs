//! `TAUPY_TRACE=1`: start-up milestones on stderr as `taupy-launcher: trace <name> <ms>`, the ms
//! counted from the start of `main` (bench/launcher.ts measures from the spawn itself).

use std::sync::Mutex;
use std::time::Instant;

static START: Mutex<Option<Instant>> = Mutex::new(None);

pub fn start() {
    if let Ok(mut s) = START.lock() {
        *s = Some(Instant::now());
    }
}

pub fn mark(name: &str) {
    if std::env::var_os("TAUPY_TRACE").map_or(true, |v| v != "1") {
        return;
    }
    let ms = START.lock().ok().and_then(|s| *s).map(|t| t.elapsed().as_millis()).unwrap_or(0);
    eprintln!("taupy-launcher: trace {} {}", name, ms);
}
