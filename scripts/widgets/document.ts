// The first response: a complete, rendered HTML page (first paint does not wait for the
// socket). The session id rides on <body> for the client's join; no inline script (CSP). The
// empty icon keeps a browser tab from asking for /favicon.ico (a 404 in its console).
import { escapeHtml } from './html.js'

export interface DocumentParts {
  title: string
  sessionId: string
  body: string
  /** Path of the client bundle built from the app's client entry. */
  script: string
  stylesheet: string
  lang?: string
}

export function renderDocument(parts: DocumentParts): string {
  return `<!doctype html>
<html lang="${escapeHtml(parts.lang ?? 'en')}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(parts.title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${escapeHtml(parts.stylesheet)}">
<script type="module" src="${escapeHtml(parts.script)}"></script>
</head>
<body data-taupy-session="${escapeHtml(parts.sessionId)}">${parts.body}</body>
</html>
`
}
