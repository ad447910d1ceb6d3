//! The IPC protocol, version 2 (spec: docs/ipc.md; TypeScript twin: scripts/ipc/protocol.ts).
//! Newline-delimited JSON objects with a `type`. Backend -> launcher: commands (this enum).
//! Launcher -> backend: events (built with the helpers at the bottom).

use crate::json::Json;
use crate::menu;

/// 2 added single instance, deep links, autostart, the clipboard, menus, the tray icon and
/// notifications (v1 backends work unchanged: every addition is a new command or event).
pub const PROTOCOL_VERSION: i32 = 2;

/// The most text `write_clipboard` takes and `read_clipboard` returns (the page-message cap).
pub const MAX_CLIPBOARD_CHARS: usize = crate::limits::MAX_MESSAGE_BYTES;

#[derive(Debug, Clone, PartialEq)]
pub struct FileFilter {
    pub name: String,
    pub extensions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct FileDialog {
    pub title: Option<String>,
    pub multiple: bool,
    pub default_path: Option<String>,
    pub filters: Vec<FileFilter>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Level {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// The backend is listening; open the window on `url` (exactly once).
    Ready { url: String },
    SetTitle { title: String },
    SetSize { width: i32, height: i32 },
    SetMinSize { width: i32, height: i32 },
    SetPosition { x: i32, y: i32 },
    Center,
    Maximize,
    Minimize,
    Restore,
    SetFullscreen { fullscreen: bool },
    ToggleFullscreen,
    SetAlwaysOnTop { always_on_top: bool },
    SetDecorations { decorations: bool },
    SetResizable { resizable: bool },
    Show,
    Hide,
    Focus,
    Navigate { url: String },
    Reload,
    Eval { script: String },
    OpenDevtools,
    OpenExternal { url: String },
    MessageDialog { title: Option<String>, message: String, level: Level },
    ConfirmDialog { title: Option<String>, message: String, level: Level },
    OpenFileDialog(FileDialog),
    OpenFolderDialog(FileDialog),
    SaveFileDialog(FileDialog),
    PostMessage { data: Json },
    PreventClose,
    /// `restart`: a packaged app in its window starts again once this launcher has exited
    /// (`updates.restartToApply()`, docs/updates.md).
    Exit { code: i32, restart: bool },
    /// The window's menu bar (an empty list removes it).
    SetMenu { items: Vec<menu::Item> },
    /// A context menu at the pointer.
    PopupMenu { items: Vec<menu::Item> },
    /// Changes one item of the menu bar in place.
    SetMenuItem { item: String, label: Option<String>, enabled: Option<bool>, checked: Option<bool> },
    /// Shows or updates the tray icon: `icon` is an absolute path to a PNG (checked by `tray.rs`).
    SetTray { icon: String, tooltip: Option<String>, items: Vec<menu::Item> },
    RemoveTray,
    /// A desktop notification; `tag` names it (a click → `notification_clicked` with it; the same
    /// tag again replaces it).
    Notify { tag: String, title: String, body: String, icon: Option<String> },
    /// About the app's place in the desktop, not the window (crate::desktop).
    Desktop(DesktopCommand),
    /// Opens another window (its id is the request's `window`) on `url`: a path starting with
    /// `/` or an absolute URL on the app's origin (checked by the core, crate::app).
    CreateWindow { url: String, title: Option<String>, width: i32, height: i32, resizable: bool },
    /// Closes the request's `window` at once, without `close_requested`.
    CloseWindow,
}

impl Command {
    /// Commands about the app, not a window: they ignore a request's `window`.
    pub fn is_app_wide(&self) -> bool {
        matches!(
            self,
            Command::Ready { .. }
                | Command::Exit { .. }
                | Command::OpenExternal { .. }
                | Command::SetTray { .. }
                | Command::RemoveTray
                | Command::Notify { .. }
                | Command::Desktop(_)
        )
    }

    /// The command's `type`, for errors that name it.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Ready { .. } => "ready",
            Command::SetTitle { .. } => "set_title",
            Command::SetSize { .. } => "set_size",
            Command::SetMinSize { .. } => "set_min_size",
            Command::SetPosition { .. } => "set_position",
            Command::Center => "center",
            Command::Maximize => "maximize",
            Command::Minimize => "minimize",
            Command::Restore => "restore",
            Command::SetFullscreen { .. } => "set_fullscreen",
            Command::ToggleFullscreen => "toggle_fullscreen",
            Command::SetAlwaysOnTop { .. } => "set_always_on_top",
            Command::SetDecorations { .. } => "set_decorations",
            Command::SetResizable { .. } => "set_resizable",
            Command::Show => "show",
            Command::Hide => "hide",
            Command::Focus => "focus",
            Command::Navigate { .. } => "navigate",
            Command::Reload => "reload",
            Command::Eval { .. } => "eval",
            Command::OpenDevtools => "open_devtools",
            Command::OpenExternal { .. } => "open_external",
            Command::MessageDialog { .. } => "message_dialog",
            Command::ConfirmDialog { .. } => "confirm_dialog",
            Command::OpenFileDialog(_) => "open_file_dialog",
            Command::OpenFolderDialog(_) => "open_folder_dialog",
            Command::SaveFileDialog(_) => "save_file_dialog",
            Command::PostMessage { .. } => "post_message",
            Command::PreventClose => "prevent_close",
            Command::Exit { .. } => "exit",
            Command::SetMenu { .. } => "set_menu",
            Command::PopupMenu { .. } => "popup_menu",
            Command::SetMenuItem { .. } => "set_menu_item",
            Command::SetTray { .. } => "set_tray",
            Command::RemoveTray => "remove_tray",
            Command::Notify { .. } => "notify",
            Command::Desktop(DesktopCommand::UnregisterProtocols) => "unregister_protocols",
            Command::Desktop(DesktopCommand::SetAutostart { .. }) => "set_autostart",
            Command::Desktop(DesktopCommand::GetAutostart) => "get_autostart",
            Command::Desktop(DesktopCommand::ReadClipboard) => "read_clipboard",
            Command::Desktop(DesktopCommand::WriteClipboard { .. }) => "write_clipboard",
            Command::CreateWindow { .. } => "create_window",
            Command::CloseWindow => "close_window",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum DesktopCommand {
    /// Removes the app's URL scheme registration for the user (deep links).
    UnregisterProtocols,
    /// Start the app at the user's login, or not.
    SetAutostart { enabled: bool },
    GetAutostart,
    /// Plain text from / to the system clipboard.
    ReadClipboard,
    WriteClipboard { text: String },
}

/// Every command `type` the launcher understands (kept in sync with protocol.ts by tests).
#[allow(dead_code)] // used by tests and docs
pub const COMMAND_TYPES: &[&str] = &[
    "ready", "set_title", "set_size", "set_min_size", "set_position", "center", "maximize", "minimize",
    "restore", "set_fullscreen", "toggle_fullscreen", "set_always_on_top", "set_decorations",
    "set_resizable", "show", "hide", "focus", "navigate", "reload", "eval", "open_devtools",
    "open_external", "message_dialog", "confirm_dialog", "open_file_dialog", "open_folder_dialog",
    "save_file_dialog", "post_message", "prevent_close", "exit", "unregister_protocols",
    "set_autostart", "get_autostart", "read_clipboard", "write_clipboard",
    "set_menu", "popup_menu", "set_menu_item",
    "set_tray", "remove_tray", "notify",
    "create_window", "close_window",
];

/// Every event `type` the launcher emits.
#[allow(dead_code)]
pub const EVENT_TYPES: &[&str] = &[
    "window_ready", "page_loaded", "close_requested", "resized", "moved", "focused", "blurred",
    "fullscreen_changed", "page_message", "navigation_blocked", "reply", "error",
    "second_instance", "open_url",
    "menu_clicked",
    "tray_clicked", "notification_clicked",
    "window_closed",
];

/// The first window, opened by `ready`; the default `window` of every window command.
pub const MAIN_WINDOW: &str = "main";
/// At most this many windows are open at once (`create_window` beyond: invalid_argument).
pub const MAX_WINDOWS: usize = 16;
pub const MAX_WINDOW_ID_CHARS: usize = 64;

/// A window id: 1–64 characters of `[A-Za-z0-9_-]`.
pub fn valid_window_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_WINDOW_ID_CHARS && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Present when the sender wants a `reply` event (any JSON string or number).
    pub id: Option<Json>,
    /// The window the command is for (`"main"` when the line has none, and for app-wide
    /// commands); for `create_window`, the new window's id.
    pub window: String,
    pub command: Command,
}

impl Request {
    /// A request for the main window (the launcher's own: `ready` in `--url` mode, the title
    /// of the error page).
    pub fn main(id: Option<Json>, command: Command) -> Request {
        Request { id, window: MAIN_WINDOW.to_string(), command }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProtocolError {
    /// `malformed` (not a JSON object with a string `type`), `unknown_command`, `invalid_argument`.
    pub code: &'static str,
    pub message: String,
    pub command: Option<String>,
    pub id: Option<Json>,
}

/// Result of reading one line from the backend.
#[derive(Debug, PartialEq)]
pub enum Line {
    Request(Request),
    Invalid(ProtocolError),
    /// Not a JSON object: the backend's log, passed through to stderr.
    Log,
}

pub use crate::limits::{MAX_MESSAGE_BYTES, MAX_TEXT_CHARS, MAX_TITLE_CHARS};
/// A notification's title and body are cut to what Windows shows (63 and 255 characters); Linux
/// servers show less anyway. Beyond MAX_TITLE_CHARS they are refused (not text for a person).
pub const MAX_NOTIFY_TITLE: usize = 63;
pub const MAX_NOTIFY_BODY: usize = 255;
pub const MAX_NOTIFY_TAG: usize = 256;

pub fn parse_line(line: &str) -> Line {
    let t = line.trim();
    if !t.starts_with('{') {
        return Line::Log;
    }
    let v = match Json::parse(t) {
        Ok(v) => v,
        Err(e) => {
            return Line::Invalid(ProtocolError {
                code: "malformed",
                message: format!("invalid JSON: {}", e),
                command: None,
                id: None,
            })
        }
    };
    match parse_request(&v) {
        Ok(r) => Line::Request(r),
        Err(e) => Line::Invalid(e),
    }
}

pub fn parse_request(v: &Json) -> Result<Request, ProtocolError> {
    let id = match v.get("id") {
        Some(Json::Null) | None => None,
        Some(i @ Json::Num(_)) | Some(i @ Json::Str(_)) => Some(i.clone()),
        Some(_) => return Err(err("malformed", "`id` must be a string or a number", None, None)),
    };
    let ty = match v.get("type").and_then(Json::as_str) {
        Some(t) => t.to_string(),
        None => return Err(err("malformed", "missing string field `type`", None, id)),
    };
    let a = Args { v, ty: &ty, id: &id };
    let command = match ty.as_str() {
        "ready" => Command::Ready { url: a.string("url")? },
        "set_title" => Command::SetTitle { title: a.bounded_string("title", MAX_TITLE_CHARS)? },
        "set_size" => Command::SetSize { width: a.dim("width")?, height: a.dim("height")? },
        "set_min_size" => Command::SetMinSize { width: a.int("width")?.max(0), height: a.int("height")?.max(0) },
        "set_position" => Command::SetPosition { x: a.int("x")?, y: a.int("y")? },
        "center" => Command::Center,
        "maximize" => Command::Maximize,
        "minimize" => Command::Minimize,
        "restore" => Command::Restore,
        "set_fullscreen" => Command::SetFullscreen { fullscreen: a.boolean("fullscreen")? },
        "toggle_fullscreen" => Command::ToggleFullscreen,
        "set_always_on_top" => Command::SetAlwaysOnTop { always_on_top: a.boolean("alwaysOnTop")? },
        "set_decorations" => Command::SetDecorations { decorations: a.boolean("decorations")? },
        "set_resizable" => Command::SetResizable { resizable: a.boolean("resizable")? },
        "show" => Command::Show,
        "hide" => Command::Hide,
        "focus" => Command::Focus,
        "navigate" => Command::Navigate { url: a.string("url")? },
        "reload" => Command::Reload,
        "eval" => Command::Eval { script: a.string("script")? },
        "open_devtools" => Command::OpenDevtools,
        "open_external" => Command::OpenExternal { url: a.string("url")? },
        "message_dialog" => Command::MessageDialog {
            title: a.opt_bounded("title", MAX_TITLE_CHARS)?,
            message: a.bounded_string("message", MAX_TEXT_CHARS)?,
            level: a.level()?,
        },
        "confirm_dialog" => Command::ConfirmDialog {
            title: a.opt_bounded("title", MAX_TITLE_CHARS)?,
            message: a.bounded_string("message", MAX_TEXT_CHARS)?,
            level: a.level()?,
        },
        "open_file_dialog" => Command::OpenFileDialog(a.file_dialog()?),
        "open_folder_dialog" => Command::OpenFolderDialog(a.file_dialog()?),
        "save_file_dialog" => Command::SaveFileDialog(a.file_dialog()?),
        "post_message" => {
            let data = v.get("data").cloned().unwrap_or(Json::Null);
            if data.to_string().len() > MAX_MESSAGE_BYTES {
                return Err(a.bad(format!("`post_message`: `data` is more than {} bytes as JSON", MAX_MESSAGE_BYTES)));
            }
            Command::PostMessage { data }
        }
        "prevent_close" => Command::PreventClose,
        "exit" => Command::Exit { code: a.opt_int("code")?.unwrap_or(0), restart: a.opt_bool("restart")?.unwrap_or(false) },
        "unregister_protocols" => Command::Desktop(DesktopCommand::UnregisterProtocols),
        "set_autostart" => Command::Desktop(DesktopCommand::SetAutostart { enabled: a.boolean("enabled")? }),
        "get_autostart" => Command::Desktop(DesktopCommand::GetAutostart),
        "read_clipboard" => Command::Desktop(DesktopCommand::ReadClipboard),
        "write_clipboard" => Command::Desktop(DesktopCommand::WriteClipboard { text: a.bounded_string("text", MAX_CLIPBOARD_CHARS)? }),
        "set_menu" => Command::SetMenu { items: a.menu_items()? },
        "popup_menu" => Command::PopupMenu { items: a.menu_items()? },
        "set_tray" => Command::SetTray {
            icon: a.bounded_string("icon", 4096)?,
            tooltip: a.opt_string("tooltip")?.map(|t| t.chars().take(127).collect()),
            items: match v.get("items") {
                None | Some(Json::Null) => Vec::new(),
                Some(_) => a.menu_items()?,
            },
        },
        "remove_tray" => Command::RemoveTray,
        "notify" => Command::Notify {
            tag: match a.opt_string("tag")? {
                Some(t) if t.chars().count() > MAX_NOTIFY_TAG => {
                    return Err(a.bad(format!("`notify`: `tag` is longer than {} characters", MAX_NOTIFY_TAG)))
                }
                t => t.unwrap_or_default(),
            },
            title: a.bounded_string("title", MAX_TITLE_CHARS)?.chars().take(MAX_NOTIFY_TITLE).collect(),
            body: match a.opt_string("body")? {
                Some(b) if b.chars().count() > MAX_TITLE_CHARS => {
                    return Err(a.bad(format!("`notify`: `body` is longer than {} characters", MAX_TITLE_CHARS)))
                }
                b => b.unwrap_or_default().chars().take(MAX_NOTIFY_BODY).collect(),
            },
            icon: a.opt_string("icon")?,
        },
        "create_window" => Command::CreateWindow {
            url: a.bounded_string("url", MAX_TEXT_CHARS)?,
            title: a.opt_bounded("title", MAX_TITLE_CHARS)?,
            width: a.opt_dim("width")?.unwrap_or(800),
            height: a.opt_dim("height")?.unwrap_or(600),
            resizable: a.opt_bool("resizable")?.unwrap_or(true),
        },
        "close_window" => Command::CloseWindow,
        "set_menu_item" => Command::SetMenuItem {
            item: a.bounded_string("item", menu::MAX_LABEL_CHARS)?,
            label: match a.opt_string("label")? {
                Some(l) if l.chars().count() > menu::MAX_LABEL_CHARS => {
                    return Err(a.bad(format!("`label` is longer than {} characters", menu::MAX_LABEL_CHARS)))
                }
                l => l,
            },
            enabled: a.opt_bool("enabled")?,
            checked: a.opt_bool("checked")?,
        },
        _ => {
            return Err(err("unknown_command", &format!("unknown command type `{}`", ty), Some(ty.clone()), id))
        }
    };
    let window = if command.is_app_wide() {
        MAIN_WINDOW.to_string()
    } else {
        match v.get("window") {
            None | Some(Json::Null) if !matches!(command, Command::CreateWindow { .. } | Command::CloseWindow) => MAIN_WINDOW.to_string(),
            None | Some(Json::Null) => return Err(a.bad(format!("`{}` needs a string field `window` (the window's id)", ty))),
            Some(Json::Str(w)) if valid_window_id(w) => w.clone(),
            Some(_) => {
                return Err(a.bad(format!(
                    "`window` must be a window id: 1 to {} characters of A-Z, a-z, 0-9, `_` and `-`",
                    MAX_WINDOW_ID_CHARS
                )))
            }
        }
    };
    Ok(Request { id, window, command })
}

fn err(code: &'static str, message: &str, command: Option<String>, id: Option<Json>) -> ProtocolError {
    ProtocolError { code, message: message.to_string(), command, id }
}

struct Args<'a> {
    v: &'a Json,
    ty: &'a str,
    id: &'a Option<Json>,
}

impl<'a> Args<'a> {
    fn bad(&self, msg: String) -> ProtocolError {
        err("invalid_argument", &msg, Some(self.ty.to_string()), self.id.clone())
    }
    fn string(&self, k: &str) -> Result<String, ProtocolError> {
        match self.opt_string(k)? {
            Some(s) => Ok(s),
            None => Err(self.bad(format!("`{}` needs a string field `{}`", self.ty, k))),
        }
    }
    fn bounded_string(&self, k: &str, max_chars: usize) -> Result<String, ProtocolError> {
        match self.opt_bounded(k, max_chars)? {
            Some(s) => Ok(s),
            None => Err(self.bad(format!("`{}` needs a string field `{}`", self.ty, k))),
        }
    }
    /// Every string that reaches GTK or Win32 is bounded here, with a clear error.
    fn opt_bounded(&self, k: &str, max_chars: usize) -> Result<Option<String>, ProtocolError> {
        let s = self.opt_string(k)?;
        if let Some(s) = &s {
            if s.chars().count() > max_chars {
                return Err(self.bad(format!("`{}`: field `{}` is longer than {} characters", self.ty, k, max_chars)));
            }
        }
        Ok(s)
    }
    fn opt_string(&self, k: &str) -> Result<Option<String>, ProtocolError> {
        match self.v.get(k) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Str(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.bad(format!("`{}`: field `{}` must be a string", self.ty, k))),
        }
    }
    fn opt_int(&self, k: &str) -> Result<Option<i32>, ProtocolError> {
        match self.v.get(k) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Num(n)) if n.is_finite() && n.abs() < 1e9 => Ok(Some(n.round() as i32)),
            Some(_) => Err(self.bad(format!("`{}`: field `{}` must be a number", self.ty, k))),
        }
    }
    fn int(&self, k: &str) -> Result<i32, ProtocolError> {
        match self.opt_int(k)? {
            Some(n) => Ok(n),
            None => Err(self.bad(format!("`{}` needs a number field `{}`", self.ty, k))),
        }
    }
    fn dim(&self, k: &str) -> Result<i32, ProtocolError> {
        match self.opt_dim(k)? {
            Some(n) => Ok(n),
            None => Err(self.bad(format!("`{}` needs a number field `{}`", self.ty, k))),
        }
    }
    fn opt_dim(&self, k: &str) -> Result<Option<i32>, ProtocolError> {
        let n = self.opt_int(k)?;
        if n.map_or(false, |n| n < 1) {
            return Err(self.bad(format!("`{}`: `{}` must be at least 1", self.ty, k)));
        }
        Ok(n)
    }
    fn boolean(&self, k: &str) -> Result<bool, ProtocolError> {
        match self.v.get(k) {
            Some(Json::Bool(b)) => Ok(*b),
            _ => Err(self.bad(format!("`{}` needs a boolean field `{}`", self.ty, k))),
        }
    }
    fn opt_bool(&self, k: &str) -> Result<Option<bool>, ProtocolError> {
        match self.v.get(k) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.bad(format!("`{}`: field `{}` must be a boolean", self.ty, k))),
        }
    }
    fn menu_items(&self) -> Result<Vec<menu::Item>, ProtocolError> {
        match self.v.get("items") {
            None => Err(self.bad(format!("`{}` needs an array field `items`", self.ty))),
            Some(v) => menu::parse_items(v).map_err(|e| self.bad(format!("`{}`: {}", self.ty, e))),
        }
    }
    fn level(&self) -> Result<Level, ProtocolError> {
        match self.opt_string("level")?.as_deref() {
            None | Some("info") => Ok(Level::Info),
            Some("warning") => Ok(Level::Warning),
            Some("error") => Ok(Level::Error),
            Some(other) => Err(self.bad(format!("`level` must be info, warning or error, not `{}`", other))),
        }
    }
    fn file_dialog(&self) -> Result<FileDialog, ProtocolError> {
        let mut d = FileDialog {
            title: self.opt_bounded("title", MAX_TITLE_CHARS)?,
            multiple: match self.v.get("multiple") {
                None | Some(Json::Null) => false,
                Some(Json::Bool(b)) => *b,
                Some(_) => return Err(self.bad("`multiple` must be a boolean".into())),
            },
            default_path: self.opt_bounded("defaultPath", MAX_TEXT_CHARS)?,
            filters: Vec::new(),
        };
        match self.v.get("filters") {
            None | Some(Json::Null) => {}
            Some(Json::Arr(items)) => {
                for f in items {
                    let name = f.get("name").and_then(Json::as_str);
                    let exts = match f.get("extensions") {
                        Some(Json::Arr(e)) => e.iter().map(|x| x.as_str().map(|s| s.to_string())).collect::<Option<Vec<_>>>(),
                        _ => None,
                    };
                    let short = |t: &str| t.chars().count() <= MAX_TITLE_CHARS;
                    if !name.map_or(true, short) || !exts.as_ref().map_or(true, |e| e.iter().all(|x| short(x))) {
                        return Err(self.bad(format!("filter names and extensions are at most {} characters", MAX_TITLE_CHARS)));
                    }
                    if items.len() > 256 {
                        return Err(self.bad("at most 256 filters".into()));
                    }
                    match (name, exts) {
                        (Some(n), Some(e)) => d.filters.push(FileFilter { name: n.to_string(), extensions: e }),
                        _ => return Err(self.bad("each filter needs `name` and `extensions` (strings)".into())),
                    }
                }
            }
            Some(_) => return Err(self.bad("`filters` must be an array".into())),
        }
        Ok(d)
    }
}

/// The tag of a `notify` without one: `n1`, `n2`… (a reply carries it).
pub fn notification_tag(tag: String) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(1);
    if tag.is_empty() {
        format!("n{}", NEXT.fetch_add(1, Ordering::Relaxed))
    } else {
        tag
    }
}

// ----- events (launcher -> backend) -----

pub fn event(ty: &str, mut fields: Vec<(&str, Json)>) -> Json {
    fields.insert(0, ("type", ty.into()));
    Json::obj(fields)
}

/// An event about one window: `fields` plus `"window": window`.
pub fn window_event(ty: &str, window: &str, mut fields: Vec<(&str, Json)>) -> Json {
    fields.push(("window", window.into()));
    event(ty, fields)
}

pub fn reply_ok(id: &Json, result: Json) -> Json {
    event("reply", vec![("id", id.clone()), ("ok", true.into()), ("result", result)])
}

pub fn reply_err(id: &Json, code: &str, message: &str) -> Json {
    event(
        "reply",
        vec![
            ("id", id.clone()),
            ("ok", false.into()),
            ("error", Json::obj(vec![("code", code.into()), ("message", message.into())])),
        ],
    )
}

pub fn error_event(e: &ProtocolError) -> Json {
    let mut f = vec![("code", Json::from(e.code)), ("message", Json::from(e.message.as_str()))];
    if let Some(c) = &e.command {
        f.push(("command", c.as_str().into()));
    }
    if let Some(i) = &e.id {
        f.push(("id", i.clone()));
    }
    event("error", f)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLES: &str = include_str!("../protocol-examples.json");

    fn examples(kind: &str) -> Vec<Json> {
        let all = Json::parse(EXAMPLES).expect("examples are valid JSON");
        match all.get(kind) {
            Some(Json::Arr(a)) => a.clone(),
            _ => panic!("no {}", kind),
        }
    }

    #[test]
    fn exit_may_ask_for_a_restart_and_only_with_a_boolean() {
        let restart = |line: &str| match parse_line(line) {
            Line::Request(Request { command: Command::Exit { restart, .. }, .. }) => Ok(restart),
            Line::Invalid(e) => Err(e.code),
            _ => Err("other"),
        };
        assert_eq!(restart(r#"{"type":"exit","code":0}"#), Ok(false));
        assert_eq!(restart(r#"{"type":"exit","restart":true}"#), Ok(true));
        assert_eq!(restart(r#"{"type":"exit","restart":"yes"}"#), Err("invalid_argument"));
    }

    #[test]
    fn an_overlong_title_is_an_invalid_argument() {
        let ok = format!("{{\"type\":\"set_title\",\"title\":\"{}\"}}", "é".repeat(MAX_TITLE_CHARS));
        assert!(matches!(parse_line(&ok), Line::Request(_)));
        let long = format!("{{\"type\":\"set_title\",\"id\":1,\"title\":\"{}\"}}", "y".repeat(MAX_TITLE_CHARS + 1));
        match parse_line(&long) {
            Line::Invalid(e) => assert_eq!(e.code, "invalid_argument"),
            other => panic!("expected invalid_argument, got {:?}", other),
        }
    }

    #[test]
    fn every_string_for_the_toolkit_is_bounded() {
        let big = "y".repeat(MAX_TEXT_CHARS + 1);
        let t = "t".repeat(MAX_TITLE_CHARS + 1);
        for line in [
            format!(r#"{{"type":"message_dialog","title":"{}","message":"m"}}"#, t),
            format!(r#"{{"type":"confirm_dialog","message":"{}"}}"#, big),
            format!(r#"{{"type":"open_file_dialog","title":"{}"}}"#, t),
            format!(r#"{{"type":"save_file_dialog","defaultPath":"{}"}}"#, big),
            format!(r#"{{"type":"open_folder_dialog","filters":[{{"name":"{}","extensions":["x"]}}]}}"#, t),
            format!(r#"{{"type":"open_file_dialog","filters":[{{"name":"n","extensions":["{}"]}}]}}"#, t),
            format!(r#"{{"type":"post_message","data":"{}"}}"#, "d".repeat(MAX_MESSAGE_BYTES)),
        ] {
            match parse_line(&line) {
                Line::Invalid(e) => assert_eq!(e.code, "invalid_argument", "{}", &line[..60]),
                other => panic!("{} accepted: {:?}", &line[..60], matches!(other, Line::Request(_))),
            }
        }
    }

    #[test]
    fn every_example_command_parses_and_every_command_has_an_example() {
        let mut seen = Vec::new();
        for ex in examples("commands") {
            let line = ex.to_string();
            match parse_line(&line) {
                Line::Request(_) => {}
                other => panic!("{} did not parse: {:?}", line, other),
            }
            seen.push(ex.get("type").and_then(Json::as_str).unwrap().to_string());
        }
        for t in COMMAND_TYPES {
            assert!(seen.iter().any(|s| s == t), "no example for command {}", t);
        }
        for s in &seen {
            assert!(COMMAND_TYPES.contains(&s.as_str()), "example for unlisted command {}", s);
        }
    }

    #[test]
    fn every_event_type_has_an_example() {
        let seen: Vec<String> =
            examples("events").iter().map(|e| e.get("type").and_then(Json::as_str).unwrap().to_string()).collect();
        for t in EVENT_TYPES {
            assert!(seen.iter().any(|s| s == t), "no example for event {}", t);
        }
        for s in &seen {
            assert!(EVENT_TYPES.contains(&s.as_str()), "example for unlisted event {}", s);
        }
    }

    #[test]
    fn every_invalid_example_is_rejected_with_its_code() {
        for ex in examples("invalid") {
            let line = ex.get("line").and_then(Json::as_str).unwrap();
            let code = ex.get("code").and_then(Json::as_str).unwrap();
            match parse_line(line) {
                Line::Invalid(e) => assert_eq!(e.code, code, "{}", line),
                other => panic!("{} should be invalid, got {:?}", line, other),
            }
        }
    }

    #[test]
    fn typed_fields() {
        let r = parse_request(&Json::parse(r#"{"type":"set_size","id":3,"width":800,"height":600}"#).unwrap()).unwrap();
        assert_eq!(r.id, Some(Json::Num(3.0)));
        assert_eq!(r.command, Command::SetSize { width: 800, height: 600 });
        let r = parse_request(
            &Json::parse(r#"{"type":"open_file_dialog","id":"a","multiple":true,"filters":[{"name":"Text","extensions":["txt","md"]}]}"#)
                .unwrap(),
        )
        .unwrap();
        match r.command {
            Command::OpenFileDialog(d) => {
                assert!(d.multiple);
                assert_eq!(d.filters[0].extensions, vec!["txt".to_string(), "md".to_string()]);
            }
            _ => panic!(),
        }
    }

    #[test]
    fn window_ids_and_create_window_fields() {
        let parse = |l: &str| parse_line(l);
        match parse(r#"{"type":"create_window","window":"w-1_X","url":"/s"}"#) {
            Line::Request(r) => {
                assert_eq!(r.window, "w-1_X");
                assert_eq!(r.command, Command::CreateWindow { url: "/s".into(), title: None, width: 800, height: 600, resizable: true });
            }
            other => panic!("{:?}", other),
        }
        match parse(r#"{"type":"center"}"#) {
            Line::Request(r) => assert_eq!(r.window, MAIN_WINDOW),
            other => panic!("{:?}", other),
        }
        // App-wide commands ignore `window`, even a malformed one.
        match parse(r#"{"type":"exit","window":"not an id"}"#) {
            Line::Request(r) => assert_eq!(r.window, MAIN_WINDOW),
            other => panic!("{:?}", other),
        }
        let long = format!(r#"{{"type":"center","window":"{}"}}"#, "w".repeat(MAX_WINDOW_ID_CHARS + 1));
        let ok = format!(r#"{{"type":"center","window":"{}"}}"#, "w".repeat(MAX_WINDOW_ID_CHARS));
        assert!(matches!(parse(&ok), Line::Request(_)));
        for bad in [
            long.as_str(),
            r#"{"type":"center","window":"a b"}"#,
            r#"{"type":"center","window":"é"}"#,
            r#"{"type":"center","window":7}"#,
            r#"{"type":"create_window","window":"x","url":"/x","width":0}"#,
            r#"{"type":"create_window","window":"x","url":"/x","resizable":"yes"}"#,
            r#"{"type":"create_window","window":"x","url":7}"#,
        ] {
            match parse(bad) {
                Line::Invalid(e) => assert_eq!(e.code, "invalid_argument", "{}", bad),
                other => panic!("{} accepted: {:?}", bad, other),
            }
        }
    }

    #[test]
    fn log_lines_pass_through() {
        assert_eq!(parse_line("Server listening at http://127.0.0.1:3000"), Line::Log);
        assert_eq!(parse_line(""), Line::Log);
        assert_eq!(parse_line("[1,2]"), Line::Log);
    }

    #[test]
    fn errors_name_the_command_and_id() {
        match parse_line(r#"{"type":"set_size","id":9,"width":"wide"}"#) {
            Line::Invalid(e) => {
                assert_eq!(e.code, "invalid_argument");
                assert_eq!(e.command.as_deref(), Some("set_size"));
                let ev = error_event(&e).to_string();
                assert!(ev.starts_with(r#"{"type":"error","code":"invalid_argument""#), "{}", ev);
                assert!(ev.contains(r#""id":9"#));
            }
            other => panic!("{:?}", other),
        }
    }
}
