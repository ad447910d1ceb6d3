//! taupy-launcher: opens a native window with the system webview for a taupy app's backend.
//! Layout: cli (options) -> backend (child process, stdio) -> app (lifecycle, platform-neutral)
//! -> platform (the only code that knows GTK/WebKitGTK or Win32/WebView2).
//! Must compile with rustc 1.63 (Debian's, used for the Windows build): no let-else etc.
// Windows: a GUI-subsystem exe, so no console window ever opens (platform::attach_console
// finds the console for --help and errors when our output is not redirected).
#![cfg_attr(windows, windows_subsystem = "windows")]

mod app;
mod backend;
mod cli;
mod desktop;
mod icon;
mod instance;
mod json;
mod limits;
mod menu;
mod packaged;
mod page;
mod payload;
mod platform;
mod protocol;
mod trace;

use std::sync::mpsc::{channel, Receiver, Sender};

fn main() {
    trace::start();
    // A packaged app (a payload at the end of this file) runs from it and never returns.
    if let Some(found) = payload::find_in_current_exe() {
        packaged::run(found);
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = cli::parse(&args);
    if !matches!(parsed, Ok(cli::Parsed::Run(_))) {
        platform::attach_console();
    }
    let opts = match parsed {
        Ok(cli::Parsed::Run(o)) => o,
        Ok(cli::Parsed::Help) => {
            print!("{}", cli::USAGE);
            return;
        }
        Ok(cli::Parsed::Version) => {
            println!("taupy-launcher {} (protocol {}, {})", env!("CARGO_PKG_VERSION"), protocol::PROTOCOL_VERSION, platform::NAME);
            return;
        }
        Err(e) => {
            eprintln!("taupy-launcher: {}\n\n{}", e, cli::USAGE);
            std::process::exit(2);
        }
    };
    // Before anything else starts: a second copy hands over and exits 0 here.
    let running = instance::claim(&opts, std::time::Duration::from_secs(0));
    let (tx, rx) = channel();
    desktop::start(&opts, running, &tx);
    let backend = match &opts.url {
        Some(url) => {
            backend::use_own_stdio(tx.clone());
            backend::send(&tx, app::UiMsg::Request(protocol::Request::main(None, protocol::Command::Ready { url: url.clone() })));
            None
        }
        // Before the toolkit's init, so Node's start-up overlaps GTK/WebKit's (or Win32/WebView2's).
        None => match backend::Backend::spawn(&opts.backend, &[], opts.app_id.as_deref(), tx.clone()) {
            Ok(b) => Some(b),
            Err(e) => {
                eprintln!("taupy-launcher: cannot start the backend `{}`: {}", opts.backend.join(" "), e);
                std::process::exit(1);
            }
        },
    };
    run_window(opts, tx, rx, backend);
}

/// Brings the toolkit up, opens the window with its splash at once, and runs the UI loop until
/// the end; never returns. `backend`: already spawned (plain launcher), or None for `--url`
/// mode and for the packaged app, whose worker thread sends `UiMsg::Progress` while it
/// extracts, then spawns the backend and sends `UiMsg::BackendStarted` (or `UiMsg::Fatal`) through `backend::send(&tx, …)`;
/// messages sent before the loop runs wait in the channel.
pub fn run_window(opts: cli::Options, tx: Sender<app::UiMsg>, rx: Receiver<app::UiMsg>, backend: Option<backend::Backend>) -> ! {
    if let Err(e) = platform::init(&opts) {
        platform::attach_console();
        eprintln!("taupy-launcher: {}", e);
        if let Some(b) = &backend {
            b.kill();
        }
        std::process::exit(1);
    }
    app::init(opts, tx, rx, backend);
    app::show_window();
    platform::wake(); // handle whatever arrived before the loop
    let code = platform::run();
    backend::finish(std::time::Duration::from_millis(500));
    packaged::start_again_if_asked();
    std::process::exit(code);
}
