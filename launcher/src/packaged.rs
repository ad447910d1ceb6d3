//! Packaged mode: this executable carries its app (docs/one-file-format.md). Command line:
//!   my-app [--no-window | --browser] [other args: passed to the backend]
//! Unpacks the runtime and the app into the per-user cache (once; healed when damaged), then
//! runs the backend in a window (default), alone (`--no-window`, or Linux with no display), or
//! beside the system browser (`--browser`).

use crate::json::Json;
use crate::payload::cache::Cache;
use crate::payload::install::{ensure, Installed};
use crate::payload::{cleanup, Payload};
use crate::platform;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Window,
    NoWindow,
    Browser,
}

/// What cleanup needs once the backend is ready (window mode: see `backend_ready`).
static AFTER_READY: Mutex<Option<(String, String)>> = Mutex::new(None);

fn name() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "taupy app".into())
}

/// Prints the error, shows it in a box when `boxed` (someone clicked an icon), exits 1.
fn fatal(title: &str, msg: &str, boxed: bool) -> ! {
    eprintln!("{}: {}", name(), msg);
    if boxed {
        platform::fatal_message(title, &format!("{} cannot start.\n\n{}", title, msg));
    }
    std::process::exit(1);
}

fn split_args(args: &[String]) -> (Mode, Vec<String>) {
    let mut mode = Mode::Window;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--no-window" => mode = Mode::NoWindow,
            "--browser" => mode = Mode::Browser,
            _ => break,
        }
        i += 1;
    }
    (mode, args[i..].to_vec())
}

fn substitute(s: &str, runtime: &Installed, app: &Installed) -> String {
    s.replace("{runtime}", &runtime.dir.to_string_lossy()).replace("{app}", &app.dir.to_string_lossy())
}

/// Unpacks (or checks) both folders; returns them locked shared.
fn prepare(p: &Payload, cache: &Cache, quiet: bool) -> Result<(Installed, Installed), String> {
    let i = &p.index;
    let total: u64 = i.runtime_files.iter().chain(&i.files).map(|e| e.size).sum();
    let started = Instant::now();
    let announced = Mutex::new(false);
    let announce = |_: u64, _: u64| {
        let mut a = announced.lock().unwrap();
        if !*a && !quiet {
            *a = true;
            eprintln!("{}: unpacking {} ({:.1} MiB) into {} (first start of this version)…", name(), i.app_name, total as f64 / 1048576.0, cache.root.display());
        }
    };
    let runtime = ensure(p, &cache.runtimes()?, &i.runtime_id, &i.runtime_files, None, &announce)?;
    let app = ensure(p, &cache.apps(&i.app_id)?, &i.app_folder(), &i.files, Some(&i.runtime_id), &announce)?;
    if (runtime.extracted || app.extracted) && std::env::var_os("TAUPY_TIMING").is_some() {
        eprintln!("{}: unpacked in {} ms", name(), started.elapsed().as_millis());
    }
    Ok((runtime, app))
}

/// Runs the packaged app. Returns the launcher's own command line for window mode (the normal
/// launcher flow then opens the window); every other mode ends the process here.
pub fn run(found: Result<Payload, String>) -> Vec<String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    #[cfg_attr(not(target_os = "linux"), allow(unused_mut))]
    let (mut mode, extra) = split_args(&args);
    let p = match found {
        Ok(p) => p,
        Err(e) => fatal(&name(), &e, mode != Mode::NoWindow),
    };
    let title = p.index.app_name.clone();
    #[cfg(target_os = "linux")]
    {
        if mode == Mode::Window && std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
            eprintln!("{}: no display (DISPLAY/WAYLAND_DISPLAY unset): running the backend without a window", name());
            mode = Mode::NoWindow;
        }
    }
    let boxed = mode != Mode::NoWindow;
    let cache = Cache::open().unwrap_or_else(|e| fatal(&title, &e, boxed));
    let (runtime, app) = prepare(&p, &cache, false).unwrap_or_else(|e| fatal(&title, &e, boxed));

    let mut argv: Vec<String> = p.index.backend.iter().map(|a| substitute(a, &runtime, &app)).collect();
    argv.extend(extra);
    // The backend inherits our environment plus the index's variables. TAUPY_LAUNCHER=1 is set
    // only in window mode (by backend::Backend::spawn): it tells the backend that a launcher owns
    // its stdin, and it exits when that closes; with --no-window/--browser stdin is the user's.
    for (k, v) in &p.index.env {
        std::env::set_var(k, substitute(v, &runtime, &app));
    }
    let keep = (p.index.app_id.clone(), p.index.app_folder());
    let mut launcher_args = p.index.launch_args.clone();
    launcher_args.push("--".into());
    launcher_args.extend(argv.iter().cloned());
    drop(p);

    match mode {
        Mode::NoWindow => {
            // The backend may run for months (a server): clean up now, not after a ready line
            // we will not see. Only unused folders go, so this is as safe as later.
            cleanup::old_versions(&cache, &keep.0, &keep.1);
            no_window(&argv, &[runtime, app])
        }
        Mode::Browser => browser(&title, &argv, cache, keep),
        Mode::Window => {
            // Held until we exit: the folders are in use.
            std::mem::forget(runtime);
            std::mem::forget(app);
            *AFTER_READY.lock().unwrap() = Some(keep);
            launcher_args
        }
    }
}

/// Called by the core once the backend printed its ready line (window mode).
pub fn backend_ready() {
    let keep = AFTER_READY.lock().unwrap().take();
    if let Some((app_id, folder)) = keep {
        std::thread::spawn(move || {
            if let Ok(cache) = Cache::open() {
                cleanup::old_versions(&cache, &app_id, &folder);
            }
        });
    }
}

/// Unix: become the backend (one process; the locks stay held by it). Windows: run it with our
/// handles and pass its exit code on.
fn no_window(argv: &[String], locks: &[Installed]) -> ! {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        for l in locks {
            l.lock.inherit_across_exec();
        }
        let e = Command::new(&argv[0]).args(&argv[1..]).exec();
        fatal("", &format!("cannot start the backend {}: {}", argv[0], e), false)
    }
    #[cfg(not(unix))]
    {
        let _ = locks;
        match Command::new(&argv[0]).args(&argv[1..]).status() {
            Ok(s) => std::process::exit(s.code().unwrap_or(1)),
            Err(e) => fatal("", &format!("cannot start the backend {}: {}", argv[0], e), false),
        }
    }
}

/// The backend with our stdin and stderr; its stdout copied to ours, and on its ready line the
/// system browser opened on `openUrl` (a one-time login URL) or else `url`.
fn browser(title: &str, argv: &[String], cache: Cache, keep: (String, String)) -> ! {
    let mut child = match Command::new(&argv[0]).args(&argv[1..]).stdout(Stdio::piped()).spawn() {
        Ok(c) => c,
        Err(e) => fatal(title, &format!("cannot start the backend {}: {}", argv[0], e), true),
    };
    let out = child.stdout.take().expect("piped stdout");
    let mut opened = false;
    let mut r = BufReader::new(out);
    let mut line = Vec::new();
    let stdout = std::io::stdout();
    loop {
        line.clear();
        match r.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let mut o = stdout.lock();
        let _ = o.write_all(&line).and_then(|_| o.flush());
        if opened {
            continue;
        }
        if let Ok(v) = Json::parse(String::from_utf8_lossy(&line).trim()) {
            if v.get("type").and_then(Json::as_str) == Some("ready") {
                let url = v.get("openUrl").and_then(Json::as_str).or_else(|| v.get("url").and_then(Json::as_str));
                if let Some(url) = url {
                    opened = true;
                    if let Err(e) = platform::open_external(url) {
                        eprintln!("{}: cannot open the browser ({}); open {} yourself", name(), e, url);
                    }
                    let (app_id, folder) = keep.clone();
                    cleanup::old_versions(&cache, &app_id, &folder);
                }
            }
        }
    }
    let code = child.wait().ok().and_then(|s| s.code()).unwrap_or(1);
    std::process::exit(code)
}
