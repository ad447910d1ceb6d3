//! Single instance (docs/launcher.md: single instance): one running copy per user and app id.
//! Per user *session*: the display on Linux, the logon session on Windows, so a start on
//! another display (a second X session, a CI Xvfb) opens its window where it was asked for.
//! The first start holds a per-user lock and listens on a local socket (Linux) or named pipe
//! (Windows) only its user can reach (platform::instance); a later start sends its args and cwd
//! there and exits 0. What arrives is data for the backend (`second_instance`, `open_url`),
//! never a command for the launcher.

use crate::app::UiMsg;
use crate::cli::Options;
use crate::json::Json;
use crate::platform::instance as os;
use std::sync::mpsc::Sender;

/// What a second start hands over; bigger messages are dropped.
pub const MAX_HANDOFF_BYTES: usize = 256 * 1024;
const MAX_ARGS: usize = 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct Handoff {
    pub args: Vec<String>,
    pub cwd: String,
}

pub fn encode(h: &Handoff) -> String {
    let args = Json::Arr(h.args.iter().map(|a| Json::Str(a.clone())).collect());
    format!("{}\n", Json::obj(vec![("args", args), ("cwd", Json::Str(h.cwd.clone()))]).to_string())
}

/// Strict: an object with `args` (strings) and `cwd` (a string); anything else is refused.
pub fn decode(bytes: &[u8]) -> Result<Handoff, String> {
    if bytes.len() > MAX_HANDOFF_BYTES {
        return Err("hand-over message too large".into());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "hand-over message is not UTF-8".to_string())?;
    let v = Json::parse(text.trim_end_matches('\n'))?;
    let args = match v.get("args") {
        Some(Json::Arr(a)) if a.len() <= MAX_ARGS => a
            .iter()
            .map(|x| x.as_str().map(str::to_string).ok_or_else(|| "`args` must hold strings".to_string()))
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err("`args` must be an array of at most 1024 strings".into()),
    };
    let cwd = v.get("cwd").and_then(Json::as_str).ok_or("`cwd` must be a string")?.to_string();
    Ok(Handoff { args, cwd })
}

/// The socket/pipe and lock name for an app id: short enough for a Unix socket path (108
/// bytes) however long the id, distinct per id.
pub fn key(app_id: &str) -> String {
    if app_id.len() <= 48 {
        return app_id.to_string();
    }
    // FNV-1a 64: a stable short suffix, not a security boundary (the folder/DACL is).
    let mut h: u64 = 0xcbf29ce484222325;
    for b in app_id.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{}-{:016x}", &app_id[..32], h)
}

/// The URLs among `args` whose scheme the app registered (`myapp://…`, `myapp:…`).
pub fn app_urls(args: &[String], protocols: &[String]) -> Vec<String> {
    args.iter()
        .filter(|a| match a.find(':') {
            Some(i) => protocols.iter().any(|p| a[..i].eq_ignore_ascii_case(p)),
            None => false,
        })
        .cloned()
        .collect()
}

/// The running copy, if `--single-instance`: None when this process is the first (or single
/// instance is off). When another copy runs, hands over and exits 0 here. `patience`: how long
/// a running copy may still be ending first (a restart: the copy that started us is exiting).
pub fn claim(opts: &Options, patience: std::time::Duration) -> Option<os::Listener> {
    let id = match (&opts.app_id, opts.single_instance) {
        (Some(id), true) => format!("{}{}", key(id), os::session_suffix()),
        _ => return None,
    };
    let deadline = std::time::Instant::now() + patience;
    let mut claimed = os::claim(&id);
    while matches!(claimed, Ok(os::Claim::Running)) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
        claimed = os::claim(&id);
    }
    match claimed {
        Ok(os::Claim::First(l)) => Some(l),
        Ok(os::Claim::Running) => {
            let cwd = std::env::current_dir().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
            let msg = encode(&Handoff { args: opts.app_args(), cwd });
            match os::hand_over(&id, msg.as_bytes()) {
                Ok(()) => {
                    std::process::exit(0)
                }
                Err(e) => {
                    crate::platform::attach_console();
                    eprintln!("taupy-launcher: {} is already running but did not answer ({}); exiting", id, e);
                    std::process::exit(1)
                }
            }
        }
        Err(e) => {
            // Never a reason not to start: run without single instance.
            eprintln!("taupy-launcher: single instance is off for this run: {}", e);
            None
        }
    }
}

/// Serves later starts: each valid hand-over becomes `UiMsg::SecondInstance` on the UI thread.
pub fn serve(l: os::Listener, tx: Sender<UiMsg>) {
    os::serve(l, move |bytes| match decode(&bytes) {
        Ok(h) => crate::backend::send(&tx, UiMsg::SecondInstance(h)),
        Err(e) => eprintln!("taupy-launcher: ignored a hand-over: {}", e),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_strictness() {
        let h = Handoff { args: vec!["a b".into(), "\"q\"\n".into(), "myapp://x?y=1".into()], cwd: "/tmp".into() };
        assert_eq!(decode(encode(&h).as_bytes()).unwrap(), h);
        assert!(decode(br#"{"args":[1],"cwd":"/"}"#).is_err());
        assert!(decode(br#"{"args":"x","cwd":"/"}"#).is_err());
        assert!(decode(br#"{"args":[]}"#).is_err());
        assert!(decode(b"\xff").is_err());
        assert!(decode(&vec![b' '; MAX_HANDOFF_BYTES + 1]).is_err());
    }

    #[test]
    fn keys_are_short_and_distinct() {
        let a = "a".repeat(128);
        let b = format!("{}b", "a".repeat(127));
        assert!(key(&a).len() <= 49);
        assert_ne!(key(&a), key(&b));
        assert_eq!(key("my-app"), "my-app");
    }

    #[test]
    fn app_urls_match_registered_schemes_only() {
        let args: Vec<String> = ["myapp://open?x", "MyApp:thing", "other://x", "plain", "--flag"].iter().map(|s| s.to_string()).collect();
        assert_eq!(app_urls(&args, &["myapp".into()]), vec!["myapp://open?x".to_string(), "MyApp:thing".to_string()]);
    }
}
