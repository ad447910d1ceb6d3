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

#[allow(dead_code)] // each platform uses one transport
pub const WEBKIT: Transport = Transport {
    platform: "linux",
    send: "(function () { var h = window.webkit && window.webkit.messageHandlers && window.webkit.messageHandlers.taupy; \
           return h ? function (t) { h.postMessage(t); } : null; })()",
    listen: "",
};

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
  function send(m) { if (post) post(JSON.stringify(m)); }
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
    TEMPLATE.replace("__SEND__", t.send).replace("__PLATFORM__", t.platform).replace("__LISTEN__", t.listen)
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
        assert!(page_script(&WEBKIT).contains("messageHandlers.taupy"));
    }
}
