//! The app's place in the user's desktop, outside its window, per user only: URL schemes
//! (deep links), start at login, the clipboard (docs/launcher.md). Platform parts:
//! platform::{protocols, autostart, clipboard}.

use crate::backend;
use crate::cli::Options;
use crate::json::Json;
use crate::platform::{autostart, clipboard, protocols as os};
use crate::protocol::{self, Command, DesktopCommand, Request};

/// What a registration needs to know about the app.
pub struct AppEntry<'a> {
    pub id: &'a str,
    pub name: &'a str,
    /// The command that starts the app; the URL is appended as its last argument.
    pub command: &'a [String],
}

fn entry(opts: &Options) -> Option<AppEntry<'_>> {
    opts.app_id.as_deref().map(|id| AppEntry { id, name: &opts.title, command: &opts.relaunch })
}

/// The packaged app (packaged.rs), after parsing its index's `launch.args`: its own file is
/// what starts it again, the arguments it was started with are the app's, and it registers
/// its URL schemes itself. Then, as `main` does: `instance::claim` before extracting anything,
/// `desktop::start` once the channel exists.
#[allow(dead_code)]
pub fn prepare_packaged(opts: &mut Options, extra: &[String]) {
    if let Ok(exe) = std::env::current_exe() {
        opts.relaunch = vec![exe.to_string_lossy().into_owned()];
    }
    opts.args = Some(extra.to_vec());
    opts.register_protocols = !opts.protocols.is_empty();
}

/// Serves later starts (when this is the running copy) and registers the app's URL schemes.
pub fn start(opts: &Options, running: Option<crate::platform::instance::Listener>, tx: &std::sync::mpsc::Sender<crate::app::UiMsg>) {
    if let Some(l) = running {
        crate::instance::serve(l, tx.clone());
    }
    register_on_start(opts);
}

/// On start with `--register-protocols`: registers the app's schemes unless they already are,
/// as they are; off the UI thread (xdg-mime is a shell script), errors to stderr.
fn register_on_start(opts: &Options) {
    if !opts.register_protocols || opts.protocols.is_empty() {
        return;
    }
    let opts = opts.clone();
    std::thread::spawn(move || {
        if let Some(e) = entry(&opts) {
            if let Err(err) = os::register(&e, &opts.protocols) {
                eprintln!("taupy-launcher: cannot register the app's URL schemes: {}", err);
            }
        }
    });
}

/// Commands about the desktop rather than the window (`Command::Desktop`); they work before
/// the window opens.
pub fn exec(opts: &Options, r: Request) {
    let id = r.id.clone();
    let c = match r.command {
        Command::Desktop(c) => c,
        _ => return,
    };
    match c {
        DesktopCommand::UnregisterProtocols => match entry(opts) {
            Some(e) => match os::unregister(&e, &opts.protocols) {
                Ok(removed) => reply(&id, Json::obj(vec![("removed", Json::Arr(removed.into_iter().map(Json::Str).collect()))])),
                Err(err) => backend::fail(&id, "unregister_protocols", "unregister_failed", &err),
            },
            None => backend::fail(&id, "unregister_protocols", "no_app_id", "the launcher was started without --app-id"),
        },
        DesktopCommand::SetAutostart { enabled } => match entry(opts) {
            Some(e) => match autostart::set(&e, enabled) {
                Ok(()) => reply(&id, Json::Null),
                Err(err) => backend::fail(&id, "set_autostart", "autostart_failed", &err),
            },
            None => backend::fail(&id, "set_autostart", "no_app_id", "the launcher was started without --app-id"),
        },
        DesktopCommand::GetAutostart => match entry(opts) {
            Some(e) => reply(&id, Json::obj(vec![("enabled", Json::Bool(autostart::get(&e)))])),
            None => backend::fail(&id, "get_autostart", "no_app_id", "the launcher was started without --app-id"),
        },
        DesktopCommand::WriteClipboard { text } => match clipboard::write(&text) {
            Ok(()) => reply(&id, Json::Null),
            Err(err) => backend::fail(&id, "write_clipboard", "clipboard_failed", &err),
        },
        // The answer may come later (the owner of the clipboard is another process).
        DesktopCommand::ReadClipboard => clipboard::read(Box::new(move |text: Option<String>| {
            let text = text.filter(|t| t.chars().count() <= protocol::MAX_CLIPBOARD_CHARS);
            reply(&id, Json::obj(vec![("text", text.map_or(Json::Null, Json::Str))]));
        })),
    }
}

fn reply(id: &Option<Json>, result: Json) {
    if let Some(id) = id {
        backend::emit(&protocol::reply_ok(id, result));
    }
}
