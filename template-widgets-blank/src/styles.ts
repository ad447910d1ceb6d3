// The app's own CSS, added after the widgets' stylesheet (served as /taupy/widgets.css).
export const appStyles = /* css */ `
.app { max-width: 760px; margin: 0 auto; padding: 0 16px 32px; }
.count { min-width: 2.5em; text-align: center; font-size: 1.4em; font-variant-numeric: tabular-nums; }
`
