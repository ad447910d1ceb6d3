//! taupy-launcher: opens a native window with the system webview for a taupy app's backend.
//! Layout: cli (options) -> backend (child process, stdio) -> app (lifecycle, platform-neutral)
//! -> platform (the only code that knows GTK/WebKitGTK or Win32/WebView2).
//! Must compile with rustc 1.63 (Debian's, used for the Windows build): no let-else etc.

mod app;
mod backend;
mod cli;
mod icon;
mod json;
mod limits;
mod menu;
mod page;
mod platform;
mod protocol;

use std::sync::mpsc::channel;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = match cli::parse(&args) {
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
    if let Err(e) = platform::init(&opts) {
        eprintln!("taupy-launcher: {}", e);
        std::process::exit(1);
    }
    let (tx, rx) = channel();
    let backend = match &opts.url {
        Some(url) => {
            backend::use_own_stdio(tx.clone());
            backend::send(&tx, app::UiMsg::Request(protocol::Request {
                id: None,
                command: protocol::Command::Ready { url: url.clone() },
            }));
            None
        }
        None => match backend::Backend::spawn(&opts.backend, opts.app_id.as_deref(), tx.clone()) {
            Ok(b) => Some(b),
            Err(e) => {
                eprintln!("taupy-launcher: cannot start the backend `{}`: {}", opts.backend.join(" "), e);
                std::process::exit(1);
            }
        },
    };
    if backend.is_some() {
        let tx2 = tx.clone();
        let ms = opts.ready_timeout_ms;
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(ms));
            backend::send(&tx2, app::UiMsg::ReadyTimeout);
        });
    }
    app::init(opts, tx, rx, backend);
    let code = platform::run();
    backend::finish(std::time::Duration::from_millis(500));
    std::process::exit(code);
}
