//! Command line and config file. See `taupy-launcher --help` and docs/launcher.md.

use crate::json::Json;
use crate::limits::MAX_TITLE_CHARS;

pub const USAGE: &str = "\
taupy-launcher: a native window with the system webview for a taupy app

USAGE:
    taupy-launcher [OPTIONS] -- <backend command> [args...]
    taupy-launcher [OPTIONS] --url <URL>

The backend is started as a child with TAUPY_LAUNCHER=1. It prints
<token>{\"type\":\"ready\",\"url\":\"http://127.0.0.1:PORT/...\"} on stdout when listening;
the window then opens on that URL. Protocol lines start with the per-launch token
the backend gets in TAUPY_IPC_TOKEN (docs/ipc.md: framing); commands are framed JSON,
other lines are its log (copied to stderr). Events go to the backend's stdin.
With --url there is no backend: commands are read from stdin, events written to stdout.

OPTIONS:
    --title <TEXT>            window title [default: taupy]
    --width <PX>              initial width  [default: 1024]
    --height <PX>             initial height [default: 768]
    --min-width <PX>          minimum width  [default: none]
    --min-height <PX>         minimum height [default: none]
    --size <W>x<H>            same as --width W --height H
    --min-size <W>x<H>        same as --min-width W --min-height H
    --resizable <true|false>  whether the user can resize [default: true]
    --decorations <true|false> native title bar and borders [default: true]
    --devtools                allow the web inspector (open_devtools, context menu)
    --config <FILE>           JSON file with any of: title, width, height, minWidth,
                              minHeight, resizable, decorations, devtools,
                              closeTimeoutMs, readyTimeoutMs, splashTitle,
                              splashBackground, splashForeground, splashHtml
                              (options given on the command line win)
    --close-timeout <MS>      how long the backend has to exit or veto after
                              close_requested, and to exit after `exit` [default: 5000]
    --ready-timeout <MS>      how long to wait for the ready line [default: 30000]
    --splash-title <TEXT>     text on the splash shown until the app is ready
                              [default: the title]
    --splash-background <#RGB> splash background colour [default: #ffffff]
    --splash-foreground <#RGB> splash text colour [default: #1f2328]
    --splash-html <FILE>      an HTML page shown as the splash once the webview is up
                              (no window.taupy, no network: inline everything)
    --app-id <ID>             the app's id (its package name): the webview keeps its
                              storage (localStorage, IndexedDB, cookies) in a folder of
                              its own, and the backend gets it as TAUPY_APP_ID to pick a
                              stable port [default: none: storage is not kept per app]
    --allow-mailto            let links and window.open hand mailto: URLs to the mail app
    --url <URL>               open URL, no backend
    -h, --help                this text
    -V, --version             print the version and protocol version
";

/// What the window shows from its first paint until the app's page has loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct Splash {
    /// Empty means "the window title" (resolved by `parse_options`).
    pub title: String,
    /// `#rrggbb` or `#rgb` (checked by `parse_color`).
    pub background: String,
    pub foreground: String,
    /// HTML content (not a path) shown in the webview once it is up, instead of the plain splash.
    pub html: Option<String>,
}

impl Default for Splash {
    fn default() -> Self {
        Splash { title: String::new(), background: "#ffffff".into(), foreground: "#1f2328".into(), html: None }
    }
}

/// `#rrggbb` / `#rgb` -> (r, g, b).
pub fn parse_color(v: &str) -> Result<(u8, u8, u8), String> {
    let hex = v.trim().strip_prefix('#').unwrap_or("");
    let digit = |i: usize| u8::from_str_radix(&hex[i..i + 1], 16).map_err(|_| ());
    let parsed: Result<(u8, u8, u8), ()> = match hex.len() {
        3 if hex.is_ascii() => (|| Ok((digit(0)? * 17, digit(1)? * 17, digit(2)? * 17)))(),
        6 if hex.is_ascii() => (|| {
            let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| ());
            Ok((byte(0)?, byte(2)?, byte(4)?))
        })(),
        _ => Err(()),
    };
    parsed.map_err(|_| format!("expected a colour like #1f2328 or #fff, got `{}`", v))
}

#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub title: String,
    pub width: i32,
    pub height: i32,
    pub min_width: Option<i32>,
    pub min_height: Option<i32>,
    pub resizable: bool,
    pub decorations: bool,
    pub devtools: bool,
    pub close_timeout_ms: u64,
    pub ready_timeout_ms: u64,
    pub url: Option<String>,
    pub backend: Vec<String>,
    pub splash: Splash,
    /// Names the webview's storage folder (validated: letters, digits, `._-`).
    pub app_id: Option<String>,
    pub allow_mailto: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            title: "taupy".into(),
            width: 1024,
            height: 768,
            min_width: None,
            min_height: None,
            resizable: true,
            decorations: true,
            devtools: false,
            close_timeout_ms: 5000,
            ready_timeout_ms: 30000,
            url: None,
            backend: Vec::new(),
            splash: Splash::default(),
            app_id: None,
            allow_mailto: false,
        }
    }
}

pub enum Parsed {
    Run(Options),
    Help,
    Version,
}

fn num(name: &str, v: &str) -> Result<i64, String> {
    v.trim().parse::<i64>().map_err(|_| format!("{} expects a number, got `{}`", name, v))
}

fn px(name: &str, v: &str) -> Result<i32, String> {
    let n = num(name, v)?;
    if !(1..=100_000).contains(&n) {
        return Err(format!("{} out of range: {}", name, n));
    }
    Ok(n as i32)
}

/// `800x600`
fn pair(name: &str, v: &str) -> Result<(i32, i32), String> {
    let mut it = v.splitn(2, |c| c == 'x' || c == 'X');
    match (it.next(), it.next()) {
        (Some(w), Some(h)) => Ok((px(name, w)?, px(name, h)?)),
        _ => Err(format!("{} expects WIDTHxHEIGHT, got `{}`", name, v)),
    }
}

fn boolean(name: &str, v: &str) -> Result<bool, String> {
    match v {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(format!("{} expects true or false, got `{}`", name, v)),
    }
}

fn color(name: &str, v: &str) -> Result<String, String> {
    parse_color(v).map_err(|e| format!("{} {}", name, e))?;
    Ok(v.trim().to_string())
}

/// Reads a `--splash-html` file; `base` is the folder a relative path is taken from.
fn read_html(path: &str, base: Option<&std::path::Path>) -> Result<String, String> {
    let p = match base {
        Some(dir) if std::path::Path::new(path).is_relative() => dir.join(path),
        _ => std::path::PathBuf::from(path),
    };
    std::fs::read_to_string(&p).map_err(|e| format!("--splash-html: cannot read {}: {}", p.display(), e))
}

/// Applies one option. `base` is the config file's folder (relative paths in a config file).
fn apply_in(o: &mut Options, name: &str, value: &str, base: Option<&std::path::Path>) -> Result<(), String> {
    match name {
        "splash-html" | "splashHtml" => o.splash.html = Some(read_html(value, base)?),
        _ => apply(o, name, value)?,
    }
    Ok(())
}

/// An app id names a folder: 1 to 128 of `A-Z a-z 0-9 . _ -`, not starting with a dot.
fn app_id(v: &str) -> Result<String, String> {
    let ok = !v.is_empty()
        && v.len() <= 128
        && !v.starts_with('.')
        && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-');
    if !ok {
        return Err(format!(
            "--app-id expects 1 to 128 letters, digits, `.`, `_` or `-` (not starting with `.`), got `{}`",
            crate::limits::ui_text(v, 200)
        ));
    }
    Ok(v.to_string())
}

/// Applies one option. `value` is None for flags given without `=value` and no next argument.
fn apply(o: &mut Options, name: &str, value: &str) -> Result<(), String> {
    match name {
        "splash-title" | "splashTitle" => {
            if value.chars().count() > MAX_TITLE_CHARS {
                return Err(format!("--splash-title is longer than {} characters", MAX_TITLE_CHARS));
            }
            o.splash.title = value.to_string()
        }
        "splash-background" | "splashBackground" => o.splash.background = color("--splash-background", value)?,
        "splash-foreground" | "splashForeground" => o.splash.foreground = color("--splash-foreground", value)?,
        "title" => {
            if value.chars().count() > MAX_TITLE_CHARS {
                return Err(format!("--title is longer than {} characters", MAX_TITLE_CHARS));
            }
            o.title = value.to_string()
        }
        "app-id" | "appId" => o.app_id = Some(app_id(value)?),
        "allow-mailto" | "allowMailto" => o.allow_mailto = boolean("--allow-mailto", value)?,
        "width" => o.width = px("--width", value)?,
        "height" => o.height = px("--height", value)?,
        "min-width" | "minWidth" => o.min_width = Some(px("--min-width", value)?),
        "min-height" | "minHeight" => o.min_height = Some(px("--min-height", value)?),
        "resizable" => o.resizable = boolean("--resizable", value)?,
        "decorations" => o.decorations = boolean("--decorations", value)?,
        "devtools" => o.devtools = boolean("--devtools", value)?,
        "close-timeout" | "closeTimeoutMs" => o.close_timeout_ms = num("--close-timeout", value)?.max(0) as u64,
        "ready-timeout" | "readyTimeoutMs" => o.ready_timeout_ms = num("--ready-timeout", value)?.max(0) as u64,
        "size" => {
            let (w, h) = pair("--size", value)?;
            o.width = w;
            o.height = h;
        }
        "min-size" => {
            let (w, h) = pair("--min-size", value)?;
            o.min_width = Some(w);
            o.min_height = Some(h);
        }
        "url" => o.url = Some(value.to_string()),
        _ => return Err(format!("unknown option --{}", name)),
    }
    Ok(())
}

fn apply_config(o: &mut Options, text: &str, path: &str) -> Result<(), String> {
    let v = Json::parse(text).map_err(|e| format!("{}: {}", path, e))?;
    let pairs = match v {
        Json::Obj(p) => p,
        _ => return Err(format!("{}: expected a JSON object", path)),
    };
    for (k, val) in pairs {
        let s = match val {
            Json::Str(s) => s,
            Json::Bool(b) => b.to_string(),
            Json::Num(n) => format!("{}", n as i64),
            _ => return Err(format!("{}: bad value for `{}`", path, k)),
        };
        if k == "url" {
            return Err(format!("{}: `url` is a command line option only", path));
        }
        let base = std::path::Path::new(path).parent();
        apply_in(o, &k, &s, base).map_err(|e| format!("{}: {}", path, e))?;
    }
    Ok(())
}

/// The plain launcher's command line: a backend after `--`, or `--url`.
pub fn parse(args: &[String]) -> Result<Parsed, String> {
    parse_options(args, true)
}

/// `backend_required: false` is for the packaged app (launcher/src/packaged.rs), whose backend
/// comes from its payload: options only, neither `--` nor `--url` needed.
pub fn parse_options(args: &[String], backend_required: bool) -> Result<Parsed, String> {
    let mut o = Options::default();
    // Command line values are applied after the config file, so collect them first.
    let mut given: Vec<(String, String)> = Vec::new();
    let mut config: Option<String> = None;
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            o.backend = args[i..].to_vec();
            break;
        }
        match a.as_str() {
            "-h" | "--help" => return Ok(Parsed::Help),
            "-V" | "--version" => return Ok(Parsed::Version),
            "--devtools" => {
                given.push(("devtools".into(), "true".into()));
                continue;
            }
            "--allow-mailto" => {
                given.push(("allow-mailto".into(), "true".into()));
                continue;
            }
            _ => {}
        }
        let body = match a.strip_prefix("--") {
            Some(b) => b,
            None => return Err(format!("unexpected argument `{}` (put the backend command after `--`)", a)),
        };
        let (name, value) = match body.find('=') {
            Some(eq) => (body[..eq].to_string(), body[eq + 1..].to_string()),
            None => {
                if i >= args.len() {
                    return Err(format!("--{} needs a value", body));
                }
                i += 1;
                (body.to_string(), args[i - 1].clone())
            }
        };
        if name == "config" {
            config = Some(value);
        } else {
            given.push((name, value));
        }
    }
    if let Some(path) = config {
        let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read config {}: {}", path, e))?;
        apply_config(&mut o, &text, &path)?;
    }
    for (n, v) in &given {
        apply_in(&mut o, n, v, None)?;
    }
    if o.splash.title.is_empty() {
        o.splash.title = o.title.clone();
    }
    if o.url.is_some() && !o.backend.is_empty() {
        return Err("give either --url or a backend command after `--`, not both".into());
    }
    if backend_required && o.url.is_none() && o.backend.is_empty() {
        return Err("no backend command: taupy-launcher [OPTIONS] -- <command> [args...] (or --url URL)".into());
    }
    Ok(Parsed::Run(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Options, String> {
        let v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        match parse(&v)? {
            Parsed::Run(o) => Ok(o),
            _ => Err("not run".into()),
        }
    }

    #[test]
    fn backend_after_double_dash() {
        let o = run(&["--size", "800x600", "--min-size=300x200", "--", "node"]).unwrap();
        assert_eq!((o.width, o.height, o.min_width, o.min_height), (800, 600, Some(300), Some(200)));
        assert!(run(&["--size", "800", "--", "node"]).is_err());
        let o = run(&["--title", "Hello", "--width=640", "--", "node", "dist/server.mjs", "--title", "x"]).unwrap();
        assert_eq!(o.title, "Hello");
        assert_eq!(o.width, 640);
        assert_eq!(o.backend, vec!["node", "dist/server.mjs", "--title", "x"]);
    }

    #[test]
    fn url_mode_and_errors() {
        let o = run(&["--url", "http://127.0.0.1:1/", "--resizable", "false", "--devtools"]).unwrap();
        assert_eq!(o.url.as_deref(), Some("http://127.0.0.1:1/"));
        assert!(!o.resizable && o.devtools);
        assert!(run(&[]).is_err());
        assert!(run(&["--width", "wide", "--", "x"]).is_err());
        assert!(run(&["--bogus", "1", "--", "x"]).is_err());
        assert!(run(&["node"]).is_err());
        assert!(run(&["--url", "http://a/", "--", "node"]).is_err());
    }

    #[test]
    fn titles_and_app_ids_are_checked() {
        let long = "t".repeat(MAX_TITLE_CHARS + 1);
        assert!(run(&["--title", &long, "--", "x"]).unwrap_err().contains("longer than"));
        assert_eq!(run(&["--title", &long[1..], "--", "x"]).unwrap().title.len(), MAX_TITLE_CHARS);
        assert_eq!(run(&["--app-id", "my-app.2_x", "--", "x"]).unwrap().app_id.as_deref(), Some("my-app.2_x"));
        for bad in ["", "..", ".hidden", "a/b", "a\\b", "é", &"a".repeat(129)] {
            assert!(run(&["--app-id", bad, "--", "x"]).is_err(), "{}", bad);
        }
        let o = run(&["--allow-mailto", "--", "x"]).unwrap();
        assert!(o.allow_mailto);
    }

    #[test]
    fn config_file_then_command_line() {
        let dir = std::env::temp_dir().join(format!("taupy-cli-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("launcher.json");
        std::fs::write(&p, r#"{"title":"From config","width":500,"minWidth":300,"resizable":false}"#).unwrap();
        let ps = p.to_string_lossy().to_string();
        let o = run(&["--config", &ps, "--width", "700", "--", "node"]).unwrap();
        assert_eq!(o.title, "From config");
        assert_eq!(o.width, 700);
        assert_eq!(o.min_width, Some(300));
        assert!(!o.resizable);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn splash_defaults_options_and_config() {
        let o = run(&["--title", "My App", "--", "node"]).unwrap();
        assert_eq!(o.splash, Splash { title: "My App".into(), background: "#ffffff".into(), foreground: "#1f2328".into(), html: None });
        let o = run(&["--splash-title", "Starting…", "--splash-background=#000", "--splash-foreground", "#A0B1C2", "--", "node"]).unwrap();
        assert_eq!((o.splash.title.as_str(), o.splash.background.as_str()), ("Starting…", "#000"));
        assert_eq!(parse_color(&o.splash.foreground), Ok((0xa0, 0xb1, 0xc2)));
        assert_eq!(parse_color("#fff"), Ok((255, 255, 255)));
        for bad in ["white", "#12", "#1234567", "#ggg", "fff", "#ééé"] {
            assert!(parse_color(bad).is_err(), "{}", bad);
        }
        assert!(run(&["--splash-background", "red", "--", "node"]).unwrap_err().contains("--splash-background"));

        let dir = std::env::temp_dir().join(format!("taupy-cli-splash-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("splash.html"), "<p>hello</p>").unwrap();
        let p = dir.join("launcher.json");
        std::fs::write(&p, r##"{"splashHtml":"splash.html","splashBackground":"#102030"}"##).unwrap();
        let o = run(&["--config", &p.to_string_lossy(), "--", "node"]).unwrap();
        assert_eq!(o.splash.html.as_deref(), Some("<p>hello</p>"));
        assert_eq!(o.splash.background, "#102030");
        assert!(run(&["--splash-html", "/nonexistent/splash.html", "--", "node"]).unwrap_err().contains("cannot read"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn packaged_needs_no_backend() {
        match parse_options(&["--title".to_string(), "X".to_string()], false).unwrap() {
            Parsed::Run(o) => assert!(o.backend.is_empty() && o.url.is_none() && o.splash.title == "X"),
            _ => panic!("expected options"),
        }
    }
}
