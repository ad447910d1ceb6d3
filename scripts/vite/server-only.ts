// Keeps backend code out of the browser bundle. shared/api.ts holds the API's TypeBox schemas;
// the UI may import its types (erased) but not its values, or TypeBox and every schema ship to
// the browser. Rather than trusting each import, the build fails on the first browser module
// that pulls TypeBox in, naming the chain of imports that led there.
import { relative } from 'node:path'
import type { Plugin } from 'vite'

const serverOnly = /^@sinclair\/typebox(\/|$)/

export function serverOnlyModules(): Plugin {
  let root = process.cwd()
  // Who first imported each app module, to name the chain in the error.
  const importedBy = new Map<string, string>()
  return {
    name: 'taupy:server-only-modules',
    enforce: 'pre',
    configResolved(config) {
      root = config.root
    },
    async resolveId(source, importer, options) {
      if (!importer) return null
      if (source.startsWith('.') && !importer.includes('/node_modules/')) {
        const resolved = await this.resolve(source, importer, { ...options, skipSelf: true })
        if (resolved && !importedBy.has(resolved.id)) importedBy.set(resolved.id, importer)
        return resolved
      }
      if (!serverOnly.test(source)) return null
      const chain = [importer]
      for (let id = importer; chain.length < 8; ) {
        const next = importedBy.get(id)
        if (!next || chain.includes(next)) break
        chain.unshift((id = next))
      }
      const path = chain.map((id) => relative(root, id.split('?')[0]!).replaceAll('\\', '/')).join(' → ')
      this.error(
        `taupy: ${path} imports ${source}, which would put the API's schemas (TypeBox) in the browser bundle.\n` +
          `The UI may import only types from shared/api.ts: \`import type { Api, Todo } from '../shared/api.ts'\`.\n` +
          'Values both ends need (limits, labels, lists of choices) belong in shared/constants.ts, which imports nothing.',
      )
    },
  }
}
