//! What the page may do through the launcher, the same on every platform (docs/security.md):
//! its messages are size-capped and rate-limited, and it reaches the system browser only on a
//! user gesture, at a bounded rate, and with mailto: only when the app allows it.
//! UI thread only (the platforms call these from their webview callbacks).

use crate::backend::emit;
use crate::json::Json;
use crate::limits::{
    RateLimiter, EXTERNAL_OPENS_PER_SECOND, EXTERNAL_OPEN_BURST, MAX_MESSAGE_BYTES, PAGE_MESSAGES_PER_SECOND,
    PAGE_MESSAGE_BURST,
};
use crate::protocol::window_event;
use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

thread_local! {
    static ALLOW_MAILTO: Cell<bool> = Cell::new(false);
    /// Page messages: one budget per window, so a busy window cannot starve another.
    static MESSAGES: RefCell<Vec<(String, RateLimiter)>> = RefCell::new(Vec::new());
    static OPENS: RefCell<RateLimiter> = RefCell::new(RateLimiter::new(EXTERNAL_OPEN_BURST, EXTERNAL_OPENS_PER_SECOND));
    static LAST_REPORT: Cell<Option<Instant>> = Cell::new(None);
}

pub fn configure(allow_mailto: bool) {
    ALLOW_MAILTO.with(|a| a.set(allow_mailto));
}

/// What the page's script sent (`window.taupy`, docs/ipc.md).
pub enum FromPage {
    Drag,
    Message(Json),
    /// `taupy.popupMenu(items)`: a context menu at the pointer, checked as `popup_menu` is.
    PopupMenu(Vec<crate::menu::Item>),
}

/// One more message from `window`'s page within its rate?
fn allow_message(window: &str) -> bool {
    MESSAGES.with(|m| {
        let mut m = m.borrow_mut();
        let i = match m.iter().position(|(w, _)| w == window) {
            Some(i) => i,
            None => {
                m.push((window.to_string(), RateLimiter::new(PAGE_MESSAGE_BURST, PAGE_MESSAGES_PER_SECOND)));
                m.len() - 1
            }
        };
        m[i].1.allow()
    })
}

/// A window closed: its budget goes (a new window with the same id starts afresh).
pub fn forget(window: &str) {
    MESSAGES.with(|m| m.borrow_mut().retain(|(w, _)| w != window));
}

/// Checks and parses one text from `window`'s page bridge. Refusals are reported to the backend
/// as `error` events naming the window (`message_too_large`, `rate_limited`: at most one a second).
pub fn from_page(window: &str, text: &str) -> Option<FromPage> {
    if text.len() > MAX_MESSAGE_BYTES + 64 {
        report(window, "message_too_large", &format!("a page message of {} bytes was dropped (limit {} bytes)", text.len(), MAX_MESSAGE_BYTES));
        return None;
    }
    let msg = Json::parse(text).ok()?;
    match msg.get("kind").and_then(Json::as_str) {
        Some("drag") => Some(FromPage::Drag),
        Some("message") => {
            if !allow_message(window) {
                report(
                    window,
                    "rate_limited",
                    &format!("page messages beyond {} a second are dropped", PAGE_MESSAGES_PER_SECOND),
                );
                return None;
            }
            Some(FromPage::Message(msg.get("data").cloned().unwrap_or(Json::Null)))
        }
        Some("popup_menu") => {
            if !allow_message(window) {
                return None;
            }
            match crate::menu::parse_items(msg.get("items").unwrap_or(&Json::Null)) {
                Ok(items) => Some(FromPage::PopupMenu(items)),
                Err(e) => {
                    report(window, "invalid_argument", &format!("taupy.popupMenu from the page: {}", e));
                    None
                }
            }
        }
        _ => None,
    }
}

/// Whether a navigation the page started (a link, window.open, a form, a frame) to `url`, which
/// is not on the app's origin, may be handed to the system browser.
pub fn may_open_external(url: &str, user_gesture: bool) -> bool {
    let lower = url.to_ascii_lowercase();
    let web = lower.starts_with("http://") || lower.starts_with("https://");
    let mail = lower.starts_with("mailto:") && ALLOW_MAILTO.with(|a| a.get());
    user_gesture && (web || mail) && OPENS.with(|o| o.borrow_mut().allow())
}

fn report(window: &str, code: &str, message: &str) {
    let now = Instant::now();
    let recent = LAST_REPORT.with(|l| l.get()).map_or(false, |t| now.saturating_duration_since(t) < Duration::from_secs(1));
    if recent {
        return;
    }
    LAST_REPORT.with(|l| l.set(Some(now)));
    emit(&window_event("error", window, vec![("code", code.into()), ("message", message.into())]));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_opens_need_a_gesture_a_web_url_and_stay_rare() {
        configure(false);
        assert!(!may_open_external("https://example.com/", false));
        assert!(!may_open_external("mailto:a@example.com", true));
        assert!(!may_open_external("file:///etc/passwd", true));
        assert!(!may_open_external("javascript:alert(1)", true));
        let opened = (0..10).filter(|_| may_open_external("https://example.com/", true)).count();
        assert_eq!(opened, EXTERNAL_OPEN_BURST as usize);
        configure(true);
        OPENS.with(|o| *o.borrow_mut() = RateLimiter::new(1.0, 0.5));
        assert!(may_open_external("MAILTO:a@example.com", true));
    }

    #[test]
    fn page_messages_are_capped_and_rate_limited() {
        assert!(from_page("main", &format!("{{\"kind\":\"message\",\"data\":\"{}\"}}", "x".repeat(MAX_MESSAGE_BYTES + 100))).is_none());
        assert!(matches!(from_page("main", r#"{"kind":"drag"}"#), Some(FromPage::Drag)));
        let passed = (0..1000).filter(|_| from_page("main", r#"{"kind":"message","data":1}"#).is_some()).count();
        assert!(passed >= PAGE_MESSAGE_BURST as usize && passed <= PAGE_MESSAGE_BURST as usize + 2, "{}", passed);
        // Each window has its own budget: main's flood leaves another window's untouched.
        assert!(from_page("settings", r#"{"kind":"message","data":1}"#).is_some());
        forget("main");
        assert!(from_page("main", r#"{"kind":"message","data":1}"#).is_some());
    }
}
