//! `window.taupy`, injected at document start in the top frame on every platform (docs/ipc.md,
//! "The page's direct channel"). One script; each platform supplies only its transport.

/// How the page reaches the launcher: `send` is a JS expression evaluating to a
/// `function (text)` (or `null` when unavailable); `listen` is a statement that wires the
/// platform's incoming channel to `api._dispatch` (empty when the launcher calls it by eval).
pub struct Transport {
    pub platform: &'static str,
    pub send: &'static str,
    pub listen: &'static str,
}

/// WebKitGTK: the script message handler lives in an isolated script world ("taupy") and only
/// our bridge script, injected in the top frame in that world, can reach it; the page's
/// `window.taupy` hands it text through a DOM event on the top document. A frame of another
/// origin (a sandboxed iframe) cannot dispatch on that document, nor see the handler.
#[allow(dead_code)] // each platform uses one transport
pub const WEBKIT: Transport = Transport {
    platform: "linux",
    send: "function (t) { document.dispatchEvent(new CustomEvent(\"taupy-bridge-send\", { detail: t })); }",
    listen: "",
};

/// The isolated world's name, shared by the handler and the bridge script (linux.rs).
#[allow(dead_code)]
pub const WEBKIT_WORLD: &str = "taupy";

#[allow(dead_code)]
const WEBKIT_BRIDGE: &str = r#"(function () {
  if (window.top !== window) return;
  var h = window.webkit && window.webkit.messageHandlers && window.webkit.messageHandlers.taupy;
  if (!h) return;
  document.addEventListener("taupy-bridge-send", function (e) {
    if (typeof e.detail === "string" && e.detail.length <= __MAX__) h.postMessage(e.detail);
  }, true);
})();"#;

/// The top-frame script of the isolated world: the only holder of the message handler.
#[allow(dead_code)]
pub fn webkit_bridge_script() -> String {
    WEBKIT_BRIDGE.replace("__MAX__", &crate::limits::MAX_MESSAGE_BYTES.to_string())
}

/// WebView2: `chrome.webview.postMessage` out, `PostWebMessageAsJson` in (a `message` event).
#[allow(dead_code)]
pub const WEBVIEW2: Transport = Transport {
    platform: "windows",
    send: "(function () { var w = window.chrome && window.chrome.webview; \
           return w ? function (t) { w.postMessage(t); } : null; })()",
    listen: "if (window.chrome && window.chrome.webview) window.chrome.webview.addEventListener(\"message\", function (e) { api._dispatch(e.data); });",
};

const TEMPLATE: &str = r#"(function () {
  if (window.taupy || window.top !== window) return;
  var post = __SEND__;
  var listeners = [];
  function send(m) {
    var t = JSON.stringify(m);
    if (t && t.length > __MAX__) throw new RangeError("taupy.postMessage: the message is larger than 1 MiB as JSON (docs/ipc.md, Limits)");
    if (post) post(t);
  }
  var api = Object.freeze({
    platform: "__PLATFORM__",
    postMessage: function (data) { send({ kind: "message", data: data }); },
    startDrag: function () { send({ kind: "drag" }); },
    onMessage: function (fn) { listeners.push(fn); },
    _dispatch: function (data) { listeners.forEach(function (fn) { try { fn(data); } catch (e) { console.error(e); } }); }
  });
  window.taupy = api;
  __LISTEN__
  document.addEventListener("mousedown", function (e) {
    if (e.button === 0 && e.target && e.target.closest && e.target.closest("[data-taupy-drag-region]")) {
      e.preventDefault();
      send({ kind: "drag" });
    }
  });
})();"#;

pub fn page_script(t: &Transport) -> String {
    TEMPLATE
        .replace("__SEND__", t.send)
        .replace("__PLATFORM__", t.platform)
        .replace("__LISTEN__", t.listen)
        .replace("__MAX__", &crate::limits::MAX_MESSAGE_BYTES.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_transports_fill_every_slot() {
        for t in [&WEBKIT, &WEBVIEW2] {
            let s = page_script(t);
            assert!(!s.contains("__"), "placeholder left in {}", t.platform);
            assert!(s.contains(&format!("platform: \"{}\"", t.platform)));
            assert!(s.contains("data-taupy-drag-region"));
        }
        assert!(page_script(&WEBVIEW2).contains("chrome.webview.addEventListener(\"message\""));
        assert!(!page_script(&WEBKIT).contains("messageHandlers"), "the page's world never holds the handler");
        assert!(webkit_bridge_script().contains("messageHandlers.taupy") && !webkit_bridge_script().contains("__"));
    }
}
