// The widgets' stylesheet, served at /taupy/widgets.css. Plain CSS with custom properties an
// app can override; system fonts and colours so the app looks at home on each desktop.
export const widgetStyles = /* css */ `
:root {
  color-scheme: light dark;
  --taupy-accent: #3f6ad8;
  --taupy-danger: #c0392b;
  --taupy-border: color-mix(in srgb, currentColor 18%, transparent);
  --taupy-muted: color-mix(in srgb, currentColor 60%, transparent);
  --taupy-radius: 8px;
  --taupy-gap: 12px;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  line-height: 1.4;
}
body { margin: 0; }
.taupy-row { display: flex; flex-wrap: wrap; gap: var(--taupy-gap); align-items: center; }
.taupy-column { display: flex; flex-direction: column; gap: var(--taupy-gap); }
.taupy-card { border: 1px solid var(--taupy-border); border-radius: var(--taupy-radius); padding: 16px;
  display: flex; flex-direction: column; gap: var(--taupy-gap); }
.taupy-card > :is(h1, h2, h3, h4) { margin: 0; }
.taupy-button { font: inherit; padding: 6px 14px; border-radius: var(--taupy-radius); cursor: pointer;
  border: 1px solid var(--taupy-border); background: transparent; color: inherit; }
.taupy-button:hover { border-color: var(--taupy-accent); }
.taupy-button:disabled { opacity: .5; cursor: default; }
.taupy-primary { background: var(--taupy-accent); border-color: var(--taupy-accent); color: white; }
.taupy-danger { color: var(--taupy-danger); }
.taupy-plain { border-color: transparent; padding: 2px 6px; }
.taupy-input { font: inherit; padding: 6px 10px; border-radius: var(--taupy-radius);
  border: 1px solid var(--taupy-border); background: transparent; color: inherit; min-width: 12em; }
.taupy-input[aria-invalid="true"] { border-color: var(--taupy-danger); }
.taupy-field { display: flex; flex-direction: column; gap: 4px; }
.taupy-label { font-size: .9em; color: var(--taupy-muted); }
.taupy-error { color: var(--taupy-danger); }
.taupy-checkbox { display: inline-flex; align-items: center; gap: 6px; cursor: pointer; }
.taupy-form { display: flex; flex-direction: column; gap: var(--taupy-gap); align-items: flex-start; }
.taupy-image { max-width: 100%; height: auto; }
a[aria-current="page"] { font-weight: 600; }
[data-taupy-pending] { cursor: progress; }
.taupy-upload-list { list-style: none; margin: 0; padding: 0; }
.taupy-upload-list li { display: flex; align-items: center; gap: 8px; }
/* Unobtrusive connection state, driven by the attribute the socket client sets on <html>. */
html[data-taupy-connection="reconnecting"] body::after {
  content: "Reconnecting…"; position: fixed; right: 12px; bottom: 12px; padding: 4px 10px;
  border-radius: var(--taupy-radius); background: color-mix(in srgb, CanvasText 80%, transparent);
  color: Canvas; font-size: .85em; pointer-events: none;
}
`
