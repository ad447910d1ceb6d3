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
:is(button, form)[data-taupy-pending] { cursor: progress; }
.taupy-radio-group { border: 0; padding: 0; margin: 0; display: flex; gap: 12px; flex-wrap: wrap; }
.taupy-radio-group legend { padding: 0; margin-bottom: 4px; }
.taupy-tabs [role="tablist"] { display: flex; gap: 4px; border-bottom: 1px solid var(--taupy-border); }
.taupy-tab { font: inherit; padding: 6px 12px; border: 0; border-bottom: 2px solid transparent; background: none; color: inherit; cursor: pointer; }
.taupy-tab-selected { border-bottom-color: var(--taupy-accent); font-weight: 600; }
.taupy-tab-panel { padding: var(--taupy-gap) 0; }
.taupy-modal { border: 1px solid var(--taupy-border); border-radius: var(--taupy-radius); padding: 16px; min-width: 18em; }
.taupy-modal::backdrop { background: rgb(0 0 0 / .35); }
.taupy-modal-head { display: flex; justify-content: space-between; align-items: center; gap: 16px; }
.taupy-modal-head h2 { margin: 0; font-size: 1.2em; }
.taupy-toasts { position: fixed; right: 12px; bottom: 40px; display: flex; flex-direction: column; gap: 8px; z-index: 10; }
.taupy-toast { display: flex; align-items: center; gap: 8px; padding: 8px 12px; border-radius: var(--taupy-radius); background: CanvasText; color: Canvas; }
.taupy-toast-error { background: var(--taupy-danger); color: white; }
.taupy-table { border-collapse: collapse; width: 100%; }
.taupy-table caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
.taupy-table :is(th, td) { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--taupy-border); }
.taupy-sort { font: inherit; font-weight: 600; border: 0; padding: 0; background: none; color: inherit; cursor: pointer; }
.taupy-upload-list { list-style: none; margin: 0; padding: 0; }
.taupy-upload-list li { display: flex; align-items: center; gap: 8px; }
/* Unobtrusive connection state, driven by the attribute the socket client sets on <html>. */
html[data-taupy-connection="reconnecting"] body::after {
  content: "Reconnecting…"; position: fixed; right: 12px; bottom: 12px; padding: 4px 10px;
  border-radius: var(--taupy-radius); background: color-mix(in srgb, CanvasText 80%, transparent);
  color: Canvas; font-size: .85em; pointer-events: none;
}
`
