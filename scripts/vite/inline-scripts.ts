// Keeps `script-src 'self'` true in dev. Plugins add inline module scripts to the dev page
// (@vitejs/plugin-react's Fast Refresh preamble); the CSP refuses inline code, so each one is
// moved into a same-origin module that Vite serves and transforms like any other. Module
// scripts run in document order whether inline or not, so the preamble still runs first.
import { createHash } from 'node:crypto'
import type { Plugin } from 'vite'

const prefix = '/@taupy/inline/'
const inlineModule = /<script type="module">([\s\S]*?)<\/script>/g

export function inlineScriptsAsModules(): Plugin {
  const bodies = new Map<string, string>()
  return {
    name: 'taupy:inline-scripts-as-modules',
    apply: 'serve',
    transformIndexHtml: {
      order: 'post',
      handler(html) {
        return html.replace(inlineModule, (_tag, body: string) => {
          const id = `${prefix}${createHash('sha256').update(body).digest('hex').slice(0, 16)}.js`
          bodies.set(id, body)
          return `<script type="module" src="${id}"></script>`
        })
      },
    },
    resolveId(id) {
      return bodies.has(id) ? `\0${id}` : undefined
    },
    load(id) {
      return id.startsWith('\0') ? bodies.get(id.slice(1)) : undefined
    },
  }
}
