//! Packaged mode: this executable carries its app (docs/one-file-format.md). Command line:
//!   my-app [--no-window | --browser] [other args: passed to the backend]
//! Unpacks the runtime and the app into the per-user cache (once; healed when damaged), then
//! runs the backend in a window (default), alone (`--no-window`, or Linux with no display), or
//! beside the system browser (`--browser`).

use crate::app::UiMsg;
use crate::backend;
use crate::cli;
use crate::json::Json;
use crate::payload::cache::Cache;
use crate::payload::install::{ensure, Installed};
use crate::payload::updates::{self, Staged};
use crate::payload::{cleanup, extract, Payload};
use crate::platform;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Window,
    NoWindow,
    Browser,
}

/// What cleanup needs once the backend is ready (window mode: see `backend_ready`), and the
/// staged update on trial (its folder and version), confirmed by that ready line.
static AFTER_READY: Mutex<Option<(String, String)>> = Mutex::new(None);
static TRIAL: Mutex<Option<(std::path::PathBuf, String)>> = Mutex::new(None);
/// Window mode: what starting the app again in the same window needs (a rolled-back update),
/// and the versions rolled back by this process.
static WINDOW_APP: Mutex<Option<WindowStart>> = Mutex::new(None);
static ROLLED_BACK_HERE: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// Window mode: the file to start again when we exit (`exit` with `restart`), taken at start-up
/// (a full update may rename another file over it meanwhile: that is the one to start).
static RESTART: Mutex<Option<std::path::PathBuf>> = Mutex::new(None);
static EXE_AT_START: Mutex<Option<std::path::PathBuf>> = Mutex::new(None);
/// Set for the start that `start_again_if_asked` makes.
const RESTARTED_VAR: &str = "TAUPY_RESTARTED";
/// Windows, --no-window and --browser: set for the backend we watch, so that
/// `updates.restartToApply()` asks us (a framed `exit` with `restart`) rather than starting the
/// file itself: what it starts would end with its kill-on-close job object when we exit.
#[cfg(windows)]
const RESTART_BY_LAUNCHER_VAR: &str = "TAUPY_RESTART_BY_LAUNCHER";
/// --no-window/--browser: how to start this file again when the backend asks: the file (taken
/// at start-up, as in window mode), its mode flag, and the variables we set for the backend
/// (the new start sets its own).
static AGAIN: Mutex<Option<(std::path::PathBuf, &'static str, Vec<String>)>> = Mutex::new(None);

/// Versions rolled back in this start (or by the launcher that re-ran us), for the backend.
const ROLLED_BACK_VAR: &str = "TAUPY_UPDATE_ROLLED_BACK";


fn name() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "taupy app".into())
}

/// Prints the error, shows it in a box when `boxed` (someone clicked an icon), exits 1.
fn fatal(title: &str, msg: &str, boxed: bool) -> ! {
    platform::attach_console();
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

/// Unpacks (or checks) both folders; returns them locked shared. `progress(done, total)` in
/// bytes over both folders, called only while extracting.
/// `app_p` is the embedded payload or a staged update's (same runtime id: checked by `updates`).
fn prepare(p: &Payload, app_p: &Payload, cache: &Cache, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<(Installed, Installed), String> {
    let i = &p.index;
    let a = &app_p.index;
    let runtime_total: u64 = i.runtime_files.iter().map(|e| e.size).sum();
    let total: u64 = runtime_total + a.files.iter().map(|e| e.size).sum::<u64>();
    let started = Instant::now();
    let runtime = ensure(p, &cache.runtimes()?, &i.runtime_id, i.runtime_group(), None, &|d, _| progress(d, total))?;
    let app = ensure(app_p, &cache.apps(&a.app_id)?, &a.app_folder(), a.app_group(), Some(&i.runtime_id), &|d, _| progress(runtime_total + d, total))?;
    if (runtime.extracted || app.extracted) && std::env::var_os("TAUPY_TIMING").is_some() {
        eprintln!("{}: unpacked in {} ms", name(), started.elapsed().as_millis());
    }
    Ok((runtime, app))
}

/// One line on stderr the first time a start has to unpack (a terminal user sees why it waits).
fn announcer(p: &Payload, cache: &Cache) -> impl Fn(u64, u64) + Sync {
    let said = std::sync::atomic::AtomicBool::new(false);
    let line = format!("{}: unpacking {} into {} (once per version, or to repair it)…", name(), p.index.app_name, cache.root.display());
    move |_, _| {
        if !said.swap(true, std::sync::atomic::Ordering::Relaxed) {
            eprintln!("{}", line);
        }
    }
}

/// The backend command and its extra environment, with `{runtime}` and `{app}` filled in.
fn command(p: &Payload, runtime: &Installed, app: &Installed, extra: &[String]) -> (Vec<String>, Vec<(String, String)>) {
    let mut argv: Vec<String> = p.index.backend.iter().map(|a| substitute(a, runtime, app)).collect();
    argv.extend(extra.iter().cloned());
    let env = p.index.env.iter().map(|(k, v)| (k.clone(), substitute(v, runtime, app))).collect();
    (argv, env)
}

/// What the backend's `taupy/updates` needs: where to stage, what runs now, what was rolled back.
/// `mode`: how this start runs, for `updates.restartToApply()` to start the file the same way.
fn update_env(cache: &Cache, p: &Payload, running: &Payload, rolled_back: &[String], mode: Mode) -> Vec<(String, String)> {
    let flag = match mode {
        Mode::Window => "",
        Mode::NoWindow => "--no-window",
        Mode::Browser => "--browser",
    };
    let mut env = vec![
        ("TAUPY_LAUNCH_MODE".to_string(), flag.to_string()),
        ("TAUPY_RUNTIME_ID".to_string(), p.index.runtime_id.clone()),
        ("TAUPY_TARGET".to_string(), updates::TARGET.to_string()),
        ("TAUPY_APP_VERSION".to_string(), running.index.version.clone()),
        ("TAUPY_EMBEDDED_VERSION".to_string(), p.index.version.clone()),
        ("TAUPY_PAYLOAD_APP_ID".to_string(), p.index.app_id.clone()),
        (ROLLED_BACK_VAR.to_string(), rolled_back.join(",")),
    ];
    if let Ok(dir) = updates::folder(cache, &p.index.app_id) {
        env.push(("TAUPY_UPDATE_DIR".to_string(), dir.to_string_lossy().into_owned()));
    }
    if let Ok(exe) = std::env::current_exe() {
        env.push(("TAUPY_EXECUTABLE".to_string(), exe.to_string_lossy().into_owned()));
    }
    env
}

fn rolled_back_before() -> Vec<String> {
    std::env::var(ROLLED_BACK_VAR).unwrap_or_default().split(',').filter(|s| !s.is_empty()).map(String::from).collect()
}

/// Runs the packaged app; never returns.
pub fn run(found: Result<Payload, String>) -> ! {
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
    if mode == Mode::Window {
        window(p, extra)
    }
    // Windows: a GUI-subsystem exe; in a terminal, our output (and the backend's) goes there.
    platform::attach_console();
    let cache = Cache::open().unwrap_or_else(|e| fatal(&title, &e, mode == Mode::Browser));
    let announce = announcer(&p, &cache);
    let mut rolled_back = rolled_back_before();
    let staged = updates::choose(&cache, &p, &mut rolled_back);
    let app_p = staged.as_ref().map_or(&p, |s| &s.payload);
    let (runtime, app) = prepare(&p, app_p, &cache, &announce).unwrap_or_else(|e| fatal(&title, &e, mode == Mode::Browser));
    crate::trace::mark("cache_ready");
    let (argv, mut env) = command(app_p, &runtime, &app, &extra);
    env.extend(update_env(&cache, &p, app_p, &rolled_back, mode));
    if let Ok(exe) = std::env::current_exe() {
        let flag = if mode == Mode::Browser { "--browser" } else { "--no-window" };
        *AGAIN.lock().unwrap() = Some((exe, flag, env.iter().map(|(k, _)| k.clone()).collect()));
    }
    // TAUPY_LAUNCHER=1 is not set here: it tells a backend that a launcher owns its stdin (it
    // exits when that closes); with --no-window/--browser stdin is the user's.
    for (k, v) in &env {
        std::env::set_var(k, v);
    }
    let keep = (app_p.index.app_id.clone(), app_p.index.app_folder());
    let trial = staged.filter(|s| s.trial);
    if let Some(s) = &trial {
        s.mark("trying");
        *TRIAL.lock().unwrap() = Some((s.dir.clone(), s.version.clone()));
    }
    drop(p);
    if let Some(s) = trial {
        let _held = (runtime, app);
        let browser = if mode == Mode::Browser { Some((cache, keep)) } else { None };
        on_trial(&title, &argv, s, rolled_back, browser)
    }
    if mode == Mode::NoWindow {
        // The backend may run for months (a server): clean up now, not after a ready line we
        // will not see. Only unused folders go, so this is as safe as later.
        cleanup::old_versions(&cache, &keep.0, &keep.1);
        no_window(&argv, &[runtime, app])
    }
    let _held = (runtime, app);
    browser(&title, &argv, cache, keep)
}

/// Window mode: the window opens at once with the splash; a worker thread checks or unpacks
/// the cache (Progress on the splash), then hands the backend command to the core.
fn window(p: Payload, extra: Vec<String>) -> ! {
    let mut opts = match cli::parse_options(&p.index.launch_args, false) {
        Ok(cli::Parsed::Run(o)) => o,
        Ok(_) => fatal(&p.index.app_name, "launch.args in the payload asks for help or version", true),
        Err(e) => fatal(&p.index.app_name, &format!("launch.args in the payload: {}", e), true),
    };
    // Its own file is what starts it again (deep links, autostart); a running copy of the same
    // app gets this start's arguments and we exit here, before anything is extracted.
    crate::desktop::prepare_packaged(&mut opts, &extra);
    // Started again by a copy that is exiting (restart_on_exit): wait for it to let go.
    let patience = if std::env::var_os(RESTARTED_VAR).is_some() { Duration::from_secs(20) } else { Duration::from_secs(0) };
    std::env::remove_var(RESTARTED_VAR);
    let running = crate::instance::claim(&opts, patience);
    if let Some(s) = &p.index.splash {
        if !s.title.is_empty() {
            opts.splash.title = s.title.clone();
        }
        if cli::parse_color(&s.background).is_ok() {
            opts.splash.background = s.background.clone();
        }
        if cli::parse_color(&s.foreground).is_ok() {
            opts.splash.foreground = s.foreground.clone();
        }
        // The splash page is tiny: read it straight from the payload, before any extraction.
        if let Some(entry) = s.html.as_ref().and_then(|h| p.index.files.iter().find(|f| &f.path == h)) {
            opts.splash.html = extract::read_entry(&p.file, &p.footer, entry).ok().map(|b| String::from_utf8_lossy(&b).into_owned());
        }
    }
    let (tx, rx) = channel();
    crate::desktop::start(&opts, running, &tx);
    *EXE_AT_START.lock().unwrap() = std::env::current_exe().ok();
    let p = Arc::new(p);
    let start = WindowStart { p, extra, app_id: opts.app_id.clone(), worker: tx.clone() };
    *WINDOW_APP.lock().unwrap() = Some(start.clone());
    start_in_window(start);
    crate::run_window(opts, tx, rx, None)
}

/// What starting the app's backend in the window needs (again, after a failed trial).
#[derive(Clone)]
struct WindowStart {
    p: Arc<Payload>,
    extra: Vec<String>,
    app_id: Option<String>,
    worker: Sender<UiMsg>,
}

/// A worker thread checks or unpacks the cache (Progress on the splash), then starts the
/// backend and hands it to the core: at start-up, and again after a staged update failed its trial.
fn start_in_window(start: WindowStart) {
    let WindowStart { p, extra, app_id, worker } = start;
    std::thread::spawn(move || {
        let result = Cache::open().and_then(|cache| {
            let last = AtomicU64::new(0);
            // Called from the extraction threads; Sender is not Sync before Rust 1.72.
            let progress_tx = Mutex::new(worker.clone());
            let report = |done: u64, total: u64| {
                // At most ~100 updates: each one wakes the UI thread.
                let step = (total / 100).max(1);
                if done / step != last.swap(done, Ordering::Relaxed) / step || done == total {
                    if let Ok(tx) = progress_tx.lock() {
                        backend::send(&tx, UiMsg::Progress { done, total });
                    }
                }
            };
            let mut rolled_back = rolled_back_before();
            rolled_back.extend(ROLLED_BACK_HERE.lock().unwrap().iter().cloned());
            let staged = updates::choose(&cache, &p, &mut rolled_back);
            let app_p = staged.as_ref().map_or(&*p, |s| &s.payload);
            let (runtime, app) = prepare(&p, app_p, &cache, &report)?;
            let (argv, mut env) = command(app_p, &runtime, &app, &extra);
            env.extend(update_env(&cache, &p, app_p, &rolled_back, Mode::Window));
            *AFTER_READY.lock().unwrap() = Some((app_p.index.app_id.clone(), app_p.index.app_folder()));
            if let Some(s) = staged.as_ref().filter(|s| s.trial) {
                // Confirmed by the ready line (backend_ready); an exit or a timeout before it rolls back
                // in this window (trial_failed), a crash of the launcher itself on the next start.
                s.mark("trying");
                *TRIAL.lock().unwrap() = Some((s.dir.clone(), s.version.clone()));
            }
            // Held until we exit: the folders are in use.
            std::mem::forget(runtime);
            std::mem::forget(app);
            Ok((argv, env))
        });
        match result {
            // Started here, not on the UI thread: Node's start-up overlaps the toolkit's load
            // and the window's creation (linux_dl) instead of waiting for them.
            Ok((argv, env)) => start_backend(&argv, &env, app_id.as_deref(), &worker),
            Err(e) => backend::send(&worker, UiMsg::Fatal(e)),
        }
    });
}

/// The backend asked to be started again after this launcher exits (`exit` with `restart`:
/// `updates.restartToApply()`). Only a packaged app in its window has a file to start again.
pub fn restart_on_exit() {
    *RESTART.lock().unwrap() = EXE_AT_START.lock().unwrap().clone();
}

/// Called as the launcher exits: starts the file again when the backend asked for it. The new
/// start waits for us to release the app's single-instance claim (RESTARTED_VAR). We start it,
/// not the backend: on Windows the backend's job object would end its children with us.
pub fn start_again_if_asked() {
    if let Some(exe) = RESTART.lock().unwrap().take() {
        if let Err(e) = Command::new(&exe).env(RESTARTED_VAR, "1").spawn() {
            eprintln!("{}: cannot start {} again: {}", name(), exe.display(), e);
        }
    }
}

/// Spawns the backend on the worker thread and hands it to the core (`UiMsg::BackendStarted`).
/// Its messages go through a channel of their own that this thread forwards afterwards, so
/// the core has the backend before any of its lines (a ready line cannot overtake it).
fn start_backend(argv: &[String], env: &[(String, String)], app_id: Option<&str>, tx: &Sender<UiMsg>) {
    if argv.is_empty() {
        return backend::send(tx, UiMsg::Fatal("no backend command to start".into()));
    }
    let (own_tx, own_rx) = channel();
    match backend::Backend::spawn(argv, env, app_id, own_tx) {
        Ok(b) => backend::send(tx, UiMsg::BackendStarted(b)),
        Err(e) => return backend::send(tx, UiMsg::Fatal(format!("cannot start the backend `{}`: {}", argv.join(" "), e))),
    }
    for msg in own_rx {
        backend::send(tx, msg);
    }
}

/// Called by the core once the backend printed its ready line (window mode).
pub fn backend_ready() {
    confirm_trial();
    let keep = AFTER_READY.lock().unwrap().take();
    if let Some((app_id, folder)) = keep {
        std::thread::spawn(move || {
            if let Ok(cache) = Cache::open() {
                cleanup::old_versions(&cache, &app_id, &folder);
            }
        });
    }
}

/// The staged version on trial printed its ready line: it is good from now on.
fn confirm_trial() {
    if let Some((dir, version)) = TRIAL.lock().unwrap().take() {
        let _ = std::fs::write(dir.join(format!("{}.good", version)), b"");
    }
}

/// Window mode: the trial's timeout in ms while the backend starting is a staged update on trial.
pub fn trial_timeout_ms() -> Option<u64> {
    TRIAL.lock().unwrap().as_ref().map(|_| trial_timeout().as_millis() as u64)
}

/// Window mode: the backend ended (or was stopped) before its ready line. When it was a staged
/// update on trial: it is marked bad and the previous version starts (`BackendStarted` again, in
/// the same window, the backend told by TAUPY_UPDATE_ROLLED_BACK); true then.
pub fn trial_failed() -> bool {
    let (dir, version) = match TRIAL.lock().unwrap().take() {
        Some(t) => t,
        None => return false,
    };
    let _ = std::fs::write(dir.join(format!("{}.bad", version)), b"");
    eprintln!("{}: the update to {} did not start (no ready line): rolled back", name(), version);
    ROLLED_BACK_HERE.lock().unwrap().push(version);
    match WINDOW_APP.lock().unwrap().clone() {
        Some(start) => {
            start_in_window(start);
            true
        }
        None => false,
    }
}

/// How long a new version gets to print its ready line on its first start.
fn trial_timeout() -> Duration {
    let secs = std::env::var("TAUPY_UPDATE_TRIAL_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(60u64);
    Duration::from_secs(secs)
}

/// A backend child whose stdout is ours to read, with the framing token in its environment: only
/// a line that starts with the token is its ready line, so nothing the app prints can stand in
/// for it (docs/ipc.md, Framing).
/// `console`: the backend shares our console (--no-window in a terminal); else it gets none.
fn spawn_framed(title: &str, argv: &[String], dialog: bool, console: bool) -> (std::process::Child, String) {
    let token = match backend::new_token() {
        Ok(t) => t,
        Err(e) => fatal(title, &format!("cannot make the IPC token: {}", e), dialog),
    };
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]).env(backend::TOKEN_VAR, &token).stdout(Stdio::piped());
    #[cfg(windows)]
    cmd.env(RESTART_BY_LAUNCHER_VAR, "1");
    #[cfg(target_os = "linux")]
    {
        // The backend ends with us (SIGTERM when we die, even by SIGKILL), as in window mode.
        use std::os::unix::process::CommandExt;
        extern "C" {
            fn prctl(option: std::os::raw::c_int, ...) -> std::os::raw::c_int;
        }
        const PR_SET_PDEATHSIG: std::os::raw::c_int = 1;
        unsafe {
            cmd.pre_exec(|| {
                prctl(PR_SET_PDEATHSIG, 15 as std::os::raw::c_ulong);
                Ok(())
            });
        }
    }
    if !console {
        platform::prepare_backend(&mut cmd);
    }
    let child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => fatal(title, &format!("cannot start the backend {}: {}", argv[0], e), dialog),
    };
    platform::adopt_backend(&child);
    (child, token)
}

/// Copies one stdout line of the backend to ours (a protocol line without its token; blank
/// separator lines dropped) and returns it when it is a protocol line (framed with the token).
fn relay_line(line: &[u8], token: &str) -> Option<String> {
    let text = String::from_utf8_lossy(line);
    let framed = text.strip_prefix(token);
    let shown = framed.unwrap_or(&text);
    if !shown.trim().is_empty() {
        let stdout = std::io::stdout();
        let mut o = stdout.lock();
        let _ = o.write_all(shown.as_bytes()).and_then(|_| o.flush());
    }
    framed.map(String::from)
}

/// A protocol line `exit` with `"restart": true`: `updates.restartToApply()` (Windows, see
/// RESTART_BY_LAUNCHER_VAR).
fn asks_restart(json: &str) -> bool {
    Json::parse(json.trim()).ok().map_or(false, |v| {
        v.get("type").and_then(Json::as_str) == Some("exit") && v.get("restart").and_then(Json::as_bool) == Some(true)
    })
}

/// The watched backend (--no-window/--browser) exited with `code`: when it asked for a restart,
/// starts this file again in the same mode, with our stdin, stdout and stderr (its ready line
/// goes where the first one went) and none of the variables we set for the backend; then exits.
fn exit_or_start_again(code: i32, restart: bool) -> ! {
    if restart {
        if let Some((exe, flag, vars)) = AGAIN.lock().unwrap().take() {
            let mut again = Command::new(&exe);
            again.arg(flag).env_remove(ROLLED_BACK_VAR);
            for k in &vars {
                again.env_remove(k);
            }
            match again.spawn() {
                Ok(_) => std::process::exit(0),
                Err(e) => eprintln!("{}: cannot start {} again: {}", name(), exe.display(), e),
            }
        }
    }
    std::process::exit(code)
}

/// Copies the watched backend's stdout (`out`) to ours until it ends: `on_ready` gets the URL of
/// its first ready line. Returns whether it asked us to start the file again (`asks_restart`).
fn relay(out: impl Read, token: &str, mut on_ready: impl FnMut(String)) -> bool {
    let (mut ready, mut restart) = (false, false);
    read_lines(out, |line| {
        if let Some(json) = relay_line(line, token) {
            if let Some(url) = browser_url(&json) {
                if !std::mem::replace(&mut ready, true) {
                    on_ready(url);
                }
            } else if asks_restart(&json) {
                restart = true;
            }
        }
    });
    restart
}

/// Calls `each` with every line of `out` (newline included) until EOF or a read error.
fn read_lines(out: impl Read, mut each: impl FnMut(&[u8])) {
    let mut r = BufReader::new(out);
    let mut line = Vec::new();
    loop {
        line.clear();
        match r.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => each(&line),
        }
    }
}

/// `--no-window` or `--browser` on a staged version's first start: the backend runs as our
/// child with its stdout copied to ours, watched for the ready line, which marks the version
/// good (and, with `--browser`, opens the browser). None within the timeout (or an exit before
/// it): the version is marked bad and this file starts again, choosing the previous one.
/// `browser`: the cache and the app folder to keep, with `--browser`.
fn on_trial(title: &str, argv: &[String], staged: Staged, mut rolled_back: Vec<String>, browser: Option<(Cache, (String, String))>) -> ! {
    let (mut child, token) = spawn_framed(title, argv, browser.is_some(), browser.is_none());
    let out = child.stdout.take().expect("piped stdout");
    let (tx, rx) = channel();
    let reader = std::thread::spawn(move || {
        let restart = relay(out, &token, |url| {
            let _ = tx.send(Some(url));
        });
        let _ = tx.send(None);
        restart
    });
    match rx.recv_timeout(trial_timeout()) {
        Ok(Some(url)) => {
            staged.mark("good");
            drop(staged);
            if let Some((cache, keep)) = browser {
                open_browser(&url, &cache, &keep);
            }
            let code = child.wait().ok().and_then(|s| s.code()).unwrap_or(1);
            let restart = reader.join().unwrap_or(false);
            exit_or_start_again(code, restart)
        }
        _ => {
            let _ = child.kill();
            let _ = child.wait();
            staged.mark("bad");
            eprintln!("{}: the update to {} did not start (no ready line): rolled back", name(), staged.version);
            rolled_back.push(staged.version.clone());
            let exe = std::env::current_exe().unwrap_or_else(|e| fatal("", &e.to_string(), false));
            let mut again = Command::new(exe);
            again.args(std::env::args().skip(1)).env(ROLLED_BACK_VAR, rolled_back.join(","));
            drop(staged);
            #[cfg(unix)]
            {
                use std::os::unix::process::CommandExt;
                let e = again.exec();
                fatal("", &format!("cannot start again after the rollback: {}", e), false)
            }
            #[cfg(not(unix))]
            {
                let code = again.status().ok().and_then(|s| s.code()).unwrap_or(1);
                std::process::exit(code)
            }
        }
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
        // Our console, stdin and stderr; a kill-on-close job so it ends with us. Its stdout
        // goes through us, framed, so that it can ask us to start the file again.
        let (mut child, token) = spawn_framed("", argv, false, true);
        let out = child.stdout.take().expect("piped stdout");
        let restart = relay(out, &token, |_| {});
        let code = child.wait().ok().and_then(|s| s.code()).unwrap_or(1);
        exit_or_start_again(code, restart)
    }
}

/// The URL to open for a ready line: its one-time `openUrl` when present, else `url`.
fn browser_url(line: &str) -> Option<String> {
    let v = Json::parse(line.trim()).ok()?;
    if v.get("type").and_then(Json::as_str) != Some("ready") {
        return None;
    }
    v.get("openUrl").and_then(Json::as_str).or_else(|| v.get("url").and_then(Json::as_str)).map(String::from)
}

/// The ready line arrived with `--browser`: the system browser opens `url`, and versions of the
/// app nobody runs any more are removed.
fn open_browser(url: &str, cache: &Cache, (app_id, folder): &(String, String)) {
    if let Err(e) = platform::open_external(url) {
        eprintln!("{}: cannot open the browser ({}); open {} yourself", name(), e, url);
    }
    cleanup::old_versions(cache, app_id, folder);
}

/// The backend with our stdin and stderr; its stdout copied to ours, and on its ready line the
/// system browser opened on `openUrl` (a one-time login URL) or else `url`.
fn browser(title: &str, argv: &[String], cache: Cache, keep: (String, String)) -> ! {
    let (mut child, token) = spawn_framed(title, argv, true, false);
    let out = child.stdout.take().expect("piped stdout");
    let restart = relay(out, &token, |url| open_browser(&url, &cache, &keep));
    let code = child.wait().ok().and_then(|s| s.code()).unwrap_or(1);
    exit_or_start_again(code, restart)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn mode_flags_come_first_and_the_rest_goes_to_the_backend() {
        assert_eq!(split_args(&strings(&[])), (Mode::Window, vec![]));
        assert_eq!(split_args(&strings(&["--no-window", "--port", "1"])), (Mode::NoWindow, strings(&["--port", "1"])));
        assert_eq!(split_args(&strings(&["--browser", "x"])), (Mode::Browser, strings(&["x"])));
        assert_eq!(split_args(&strings(&["x", "--no-window"])), (Mode::Window, strings(&["x", "--no-window"])));
    }

    #[test]
    fn the_browser_opens_the_one_time_url_when_there_is_one() {
        assert_eq!(browser_url(r#"{"type":"ready","url":"http://127.0.0.1:1/"}"#).as_deref(), Some("http://127.0.0.1:1/"));
        assert_eq!(
            browser_url(r#"{"type":"ready","url":"http://127.0.0.1:1/","openUrl":"http://127.0.0.1:1/?once=abc"}"#).as_deref(),
            Some("http://127.0.0.1:1/?once=abc")
        );
        assert_eq!(browser_url(r#"{"type":"set_title","title":"x"}"#), None);
        assert_eq!(browser_url("listening on 127.0.0.1:1"), None);
    }

    #[test]
    fn only_an_exit_with_restart_true_asks_for_a_restart() {
        assert!(asks_restart(r#"{"type":"exit","code":0,"restart":true}"#));
        assert!(!asks_restart(r#"{"type":"exit","code":0}"#));
        assert!(!asks_restart(r#"{"type":"exit","restart":"true"}"#));
        assert!(!asks_restart(r#"{"type":"ready","restart":true}"#));
        assert!(!asks_restart("exit restart"));
    }
}
