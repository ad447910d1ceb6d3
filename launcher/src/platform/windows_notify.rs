//! Windows notifications: a balloon on our notification-area icon (`Shell_NotifyIconW` with
//! `NIF_INFO`), which Windows 10 and 11 show as a toast in the Action Center style. Chosen as the
//! simplest reliable way: no AppUserModelID, Start-menu shortcut or COM activator to register
//! (what WinRT toasts need for a desktop app), works from Windows 7 to 11 and under wine. A click
//! is `NIN_BALLOONUSERCLICK` → `notification_clicked`. Without a tray icon, the notification's
//! own icon (or the default application icon) is added for it and removed once it is gone.

use super::windows_sys::copy_wide;
use super::windows_tray as tray;
use crate::backend::{emit, fail};
use crate::json::Json;
use crate::protocol::{event, reply_ok};
use std::cell::{Cell, RefCell};

#[link(name = "user32")]
extern "system" {
    fn LoadIconW(inst: isize, name: *const u16) -> isize;
}

const NIIF_INFO: u32 = 0x1;
const NIIF_USER: u32 = 0x4;

thread_local! {
    /// The notification showing (one balloon per icon: a new one replaces it).
    static CURRENT: RefCell<Option<String>> = RefCell::new(None);
    /// The icon exists only for notifications (the app shows no tray icon).
    static TEMPORARY: Cell<bool> = Cell::new(false);
    /// The notification's own icon beside the app's tray icon (destroyed when replaced).
    static BALLOON_ICON: Cell<isize> = Cell::new(0);
}

pub fn notify(tag: String, title: &str, body: &str, icon: Option<String>, id: Option<Json>) {
    let png = match icon.as_deref().map(crate::icon::load_png) {
        Some(Err(e)) => return fail(&id, "notify", "invalid_argument", &e),
        Some(Ok(b)) => Some(b),
        None => None,
    };
    let tag = crate::protocol::notification_tag(tag);
    let mut balloon_icon = 0;
    if tray::is_shown() {
        if let Some(b) = &png {
            balloon_icon = match tray::make_icon(b) {
                Ok(i) => i,
                Err(e) => return fail(&id, "notify", "invalid_argument", &e),
            };
            let old = BALLOON_ICON.with(|c| c.replace(balloon_icon));
            if old != 0 {
                tray::destroy_icon(old);
            }
        }
    } else {
        // A notification-area icon is what a balloon hangs on: the app's, or one for the moment.
        match &png {
            Some(b) => {
                if let Err(e) = tray::set_icon(b) {
                    return fail(&id, "notify", "invalid_argument", &e);
                }
            }
            None if !tray::has_icon() => tray::use_icon(unsafe { LoadIconW(0, 32512 as *const u16) }), // IDI_APPLICATION
            None => {}
        }
        TEMPORARY.with(|t| t.set(true));
        if !tray::sync() {
            return fail(&id, "notify", "notifications_unavailable", "Shell_NotifyIconW refused the icon (is there a taskbar?)");
        }
    }
    let mut d = tray::blank();
    d.flags = tray::NIF_INFO;
    copy_wide(&mut d.info_title, title);
    // An empty text removes the balloon instead of showing one.
    copy_wide(&mut d.info, if body.is_empty() { " " } else { body });
    d.info_flags = if png.is_some() { NIIF_USER } else { NIIF_INFO };
    // NIIF_USER: the balloon shows hBalloonIcon, or the tray icon (which is the PNG) without one.
    d.balloon_icon = balloon_icon;
    if !tray::modify(&d) {
        return fail(&id, "notify", "notifications_unavailable", "Shell_NotifyIconW did not show the notification");
    }
    CURRENT.with(|c| *c.borrow_mut() = Some(tag.clone()));
    tray::on_balloon(Box::new(on_balloon));
    if let Some(id) = &id {
        emit(&reply_ok(id, Json::obj(vec![("tag", tag.as_str().into())])));
    }
}

/// The balloon was clicked (`clicked`) or went away (timed out, closed). The tag stays: the
/// shell may report the end of a balloon that a newer one replaced after that one is up.
fn on_balloon(clicked: bool) {
    let tag = CURRENT.with(|c| c.borrow().clone());
    if let (true, Some(tag)) = (clicked, tag) {
        emit(&event("notification_clicked", vec![("id", tag.into()), ("action", "default".into())]));
    }
    if TEMPORARY.with(|t| t.replace(false)) && !tray::is_shown() {
        tray::delete();
    }
}
