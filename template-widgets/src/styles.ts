// The app's own CSS, added after the widgets' stylesheet (served as /taupy/widgets.css).
export const appStyles = /* css */ `
.app { max-width: 760px; margin: 0 auto; padding: 0 16px 32px; }
.app-header { display: flex; align-items: baseline; justify-content: space-between; padding: 16px 0; }
.app-header nav { display: flex; gap: 16px; }
main .taupy-column { gap: 16px; }
.count { min-width: 2.5em; text-align: center; font-size: 1.4em; font-variant-numeric: tabular-nums; }
.todo-list { list-style: none; margin: 0; padding: 0; }
.todo { padding: 4px 0; border-bottom: 1px solid var(--taupy-border); }
.todo .taupy-row { justify-content: space-between; flex-wrap: nowrap; }
.todo.done span { text-decoration: line-through; color: var(--taupy-muted); }
.remaining, .changed, h2 small { color: var(--taupy-muted); font-weight: normal; font-size: .9em; margin: 0; }
.terms { display: flex; flex-direction: column; gap: 4px; }
.saved { padding: 12px; border-radius: var(--taupy-radius); background: color-mix(in srgb, var(--taupy-accent) 12%, transparent); }
.sparkline svg { width: 100%; height: 48px; fill: var(--taupy-accent); }
.log { max-height: 240px; overflow: auto; margin: 0; font-family: ui-monospace, monospace; font-size: .85em; }
`
