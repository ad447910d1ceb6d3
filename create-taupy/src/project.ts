// Plans a new project as a list of files, then writes it. Planning touches nothing on disk,
// so every error surfaces before the first byte is written.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { unusedRuntime, type Template } from './templates.js'

export interface PlannedFile {
  /** Path inside the new project, with forward slashes. */
  path: string
  /** Either a file to copy as it is (mode kept) or new contents. */
  source?: string
  contents?: string
}

export interface ProjectOptions {
  assetsDir: string
  viteTemplatesDir: string | undefined
  template: Template
  packageName: string
  productName: string
}

/**
 * create-vite's convention, found from its templates rather than copied from its code: a file at
 * the top of a template named `_name` is written as `.name` (npm would drop or act on `.gitignore`
 * and friends inside a published package). Our templates follow it too, so the next dotfile
 * create-vite adds (today `_gitignore`, `_oxlintrc.json`) is renamed without a change here.
 * test/scaffold.test.ts checks this against create-vite's own CLI.
 */
export function scaffoldedName(templatePath: string): string {
  return /^_[^/]+$/.test(templatePath) ? `.${templatePath.slice(1)}` : templatePath
}
const runtimeDependencies = 'taupy/dependencies.json'
/** Appended to every new app's .gitignore: a second fence around the update signing key. */
const signingKeyIgnores = '\n# Update signing keys live outside the project (npm run keygen); never commit one.\n*.pem\n*.key\n'
/** Runtime files that only work where their tools look for them. */
const relocated: Record<string, string> = {
  'taupy/packaging/github-workflow.yml': '.github/workflows/package.yml',
}

/** A template's files by their path in the new project (`rename`: a template, not the runtime). */
function listFiles(root: string, prefix = '', rename = prefix === ''): Map<string, string> {
  const files = new Map<string, string>()
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else {
        const rel = relative(root, full).split('\\').join('/')
        files.set(prefix + (rename ? scaffoldedName(rel) : rel), full)
      }
    }
  }
  walk(root)
  return files
}

type Json = { [key: string]: unknown }
// Code-point order: localeCompare would load ICU's collator, a sixth of the CLI's run time.
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
const dependencyFields = ['dependencies', 'devDependencies', 'peerDependencies'] as const

/** Lays our package.json over create-vite's: dependency maps merge (null removes), scripts are ours. */
function mergePackageJson(base: Json, ours: Json): Json {
  const merged: Json = { ...base, ...ours }
  for (const field of dependencyFields) {
    const combined = { ...(base[field] as Json | undefined), ...(ours[field] as Json | undefined) }
    for (const [name, version] of Object.entries(combined)) if (version === null) delete combined[name]
    const sorted = Object.fromEntries(Object.entries(combined).sort(([a], [b]) => byCodePoint(a, b)))
    if (Object.keys(sorted).length > 0) merged[field] = sorted
  }
  return merged
}

/** Whether `path` is one of `paths` or inside one of them. */
const omitted = (path: string, paths: readonly string[] = []): boolean =>
  paths.some((omit) => path === omit || path.startsWith(omit + '/'))

export function planProject(options: ProjectOptions): PlannedFile[] {
  const { assetsDir, template } = options
  const files = new Map<string, string>()
  if (template.viteBase) {
    if (!options.viteTemplatesDir) throw new Error('create-vite is not installed; it provides the base of this template')
    const base = listFiles(join(options.viteTemplatesDir, `template-${template.viteBase}`))
    for (const [path, source] of base) {
      if (!omitted(path, template.omitFromBase)) files.set(path, source)
    }
  }
  const basePackageJson = files.get('package.json')
  for (const folder of template.layers ?? []) {
    for (const [path, source] of listFiles(join(assetsDir, `template-${folder}`))) {
      if (!omitted(path, template.omitFromLayers)) files.set(path, source)
    }
  }
  for (const [path, source] of listFiles(join(assetsDir, `template-${template.name}`))) files.set(path, source)
  const unused = unusedRuntime(template)
  for (const [path, source] of listFiles(join(assetsDir, 'taupy'), 'taupy/')) {
    if (!unused.has(path.split('/')[1]!) && path !== runtimeDependencies) files.set(relocated[path] ?? path, source)
  }

  const planned: PlannedFile[] = [...files].map(([path, source]) => ({ path, source }))
  const packageJson = planned.find((file) => file.path === 'package.json')
  if (!packageJson?.source) throw new Error(`template-${template.name} has no package.json`)
  const ours = JSON.parse(readFileSync(packageJson.source, 'utf8')) as Json
  const base = basePackageJson ? (JSON.parse(readFileSync(basePackageJson, 'utf8')) as Json) : {}
  // What the shared runtime needs is declared once, beside it, and added to every app.
  const runtime = JSON.parse(readFileSync(join(assetsDir, runtimeDependencies), 'utf8')) as Json
  const pkg = mergePackageJson(mergePackageJson(base, runtime), ours)
  packageJson.contents = JSON.stringify({ ...pkg, name: options.packageName, productName: options.productName }, null, 2) + '\n'
  delete packageJson.source

  const readme = planned.find((file) => file.path === 'README.md')
  if (readme?.source) {
    readme.contents = readFileSync(readme.source, 'utf8').replace(/^# .*/, () => `# ${options.productName}`)
    delete readme.source
  }

  // Every app can sign updates (docs/updates.md): whichever template's .gitignore it got
  // (ours, or create-vite's for React and Lit), the private key patterns are in it.
  const gitignore = planned.find((file) => file.path === '.gitignore')
  const ignored = gitignore?.source ? readFileSync(gitignore.source, 'utf8') : 'node_modules\ndist\n'
  if (!gitignore) planned.push({ path: '.gitignore', contents: ignored + signingKeyIgnores })
  else if (!/^\*\.pem$/m.test(ignored)) {
    gitignore.contents = `${ignored.replace(/\n*$/, '\n')}${signingKeyIgnores}`
    delete gitignore.source
  }

  const indexHtml = planned.find((file) => file.path === 'index.html')
  if (indexHtml?.source) {
    const html = readFileSync(indexHtml.source, 'utf8')
    indexHtml.contents = html.replace(/<title>[^<]*<\/title>/, `<title>${escapeHtml(options.productName)}</title>`)
    delete indexHtml.source
  }
  return planned.sort((a, b) => byCodePoint(a.path, b.path))
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
}

/** Writes the planned files; returns the paths of files that already existed and were replaced. */
export function writeProject(root: string, files: readonly PlannedFile[]): string[] {
  const overwritten: string[] = []
  const made = new Set<string>()
  for (const file of files) {
    const dest = join(root, file.path)
    if (existsSync(dest)) overwritten.push(file.path)
    const dir = dirname(dest)
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true })
      made.add(dir)
    }
    if (file.source) copyFileSync(file.source, dest)
    else writeFileSync(dest, file.contents ?? '')
    // npm tarballs may drop the executable bit; the launcher binaries need it.
    if (file.path.startsWith('taupy/launcher/') && !file.path.endsWith('.md')) chmodSync(dest, 0o755)
  }
  return overwritten
}

/** Empty, missing, or holding only a .git folder (as create-vite allows). */
export function isEmptyDir(dir: string): boolean {
  if (!existsSync(dir)) return true
  const entries = readdirSync(dir)
  return entries.length === 0 || (entries.length === 1 && entries[0] === '.git')
}
