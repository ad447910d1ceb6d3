// create-taupy: scaffolds a desktop app. Flags for scripts and CI, prompts for people.
import * as prompts from '@clack/prompts'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import {
  formatTargetDir,
  isValidPackageName,
  packageNameOf,
  pkgFromUserAgent,
  toProductName,
  toValidPackageName,
} from './names.js'
import { isEmptyDir, planProject, writeProject } from './project.js'
import { defaultTemplate, findTemplate, mainTemplates, templates, variantsOf, type Template } from './templates.js'

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..')
const defaultTargetDir = 'taupy-app'

const helpText = `Usage: create-taupy [directory] [options]

Scaffold a desktop app: a TypeScript UI in the system webview, a Node backend, one file to ship.

Options:
  -t, --template NAME  UI template (see below)
  -y, --yes            no prompts: take the flags and defaults (also when stdin is not a terminal)
      --force          write into a non-empty directory; files the template does not write are
                       kept, files it does write are replaced and listed
  -h, --help           show this help
      --version        show the version

Templates:
${templates.map((t) => `  ${t.name.padEnd(14)} ${t.description}`).join('\n')}

Examples:
  npm create taupy@latest my-app -- --template widgets
  npx create-taupy my-app -t react --yes`

class UsageError extends Error {}

/** A bare `--template` (last, or before another flag) reads as an empty name, as create-vite's does. */
function withBareTemplate(argv: string[]): string[] {
  return argv.map((arg, i) =>
    (arg === '--template' || arg === '-t') && (argv[i + 1] === undefined || argv[i + 1]!.startsWith('-')) ? '--template=' : arg,
  )
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: withBareTemplate(argv),
      allowPositionals: true,
      options: {
        template: { type: 'string', short: 't' },
        yes: { type: 'boolean', short: 'y' },
        force: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    })
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nRun create-taupy --help for the options.`)
  }
}

function cancelled(): never {
  prompts.cancel('Cancelled: nothing was written.')
  process.exit(1)
}

function answer<T>(value: T): Exclude<T, symbol> {
  if (prompts.isCancel(value)) cancelled()
  return value as Exclude<T, symbol>
}

function viteTemplatesDir(): string | undefined {
  try {
    const require = createRequire(import.meta.url)
    return dirname(require.resolve('create-vite/package.json'))
  } catch {
    return undefined
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parse(process.argv.slice(2))
  if (values.help) return void console.log(helpText)
  if (values.version) {
    const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }
    return void console.log(pkg.version)
  }
  if (positionals.length > 1) throw new UsageError(`Expected one directory, got: ${positionals.join(' ')}`)

  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY) && !values.yes
  if (interactive) prompts.intro('create-taupy')

  let targetDir = positionals[0] === undefined ? undefined : formatTargetDir(positionals[0])
  if (targetDir === '') throw new UsageError('The directory name is empty.')
  if (targetDir === undefined) {
    targetDir = interactive
      ? formatTargetDir(
          answer(
            await prompts.text({
              message: 'Project name:',
              placeholder: defaultTargetDir,
              defaultValue: defaultTargetDir,
            }),
          ) || defaultTargetDir,
        )
      : defaultTargetDir
  }

  let packageName = packageNameOf(targetDir)
  if (!isValidPackageName(packageName)) {
    if (!interactive) {
      throw new UsageError(
        `"${packageName}" is not a valid npm package name (lower case letters, digits, - . _ ~; ` +
          `no spaces or capitals). Try: ${toValidPackageName(packageName)}`,
      )
    }
    packageName = answer(
      await prompts.text({
        message: 'Package name:',
        defaultValue: toValidPackageName(packageName),
        placeholder: toValidPackageName(packageName),
        validate: (name) =>
          !name || isValidPackageName(name) ? undefined : 'Invalid package name (lower case, no spaces)',
      }),
    )
  }

  // As create-vite: a missing or unknown --template is asked for in a terminal, refused elsewhere.
  const asked = values.template
  let template = asked ? findTemplate(asked) : undefined
  if (!template && asked !== undefined && !interactive) {
    const choices = `Choose one of: ${templates.map((t) => t.name).join(', ')}`
    throw new UsageError(asked === '' ? `--template needs a name. ${choices}` : `Unknown template "${asked}". ${choices}`)
  }
  if (!template && interactive) {
    // As create-vite: the framework first, then its variant (with the demo, or blank).
    const name = answer(
      await prompts.select({
        message: asked ? `"${asked}" is not a template. Select a UI template:` : 'Select a UI template:',
        options: mainTemplates.map((t) => ({ value: t.name, label: t.label, hint: t.description })),
      }),
    )
    const variants = variantsOf(findTemplate(name)!)
    const variant =
      variants.length === 1
        ? name
        : answer(
            await prompts.select({
              message: 'Select a variant:',
              options: variants.map((t) => ({ value: t.name, label: t.variantOf ? t.label : `${t.label}, with the demo`, hint: t.variantOf ? t.description : 'the features, each with its test' })),
            }),
          )
    template = findTemplate(variant)
  }
  template ??= findTemplate(defaultTemplate)
  if (!template) throw new UsageError('No template chosen.')

  const root = resolve(targetDir)
  let force = Boolean(values.force)
  if (!force && !isEmptyDir(root)) {
    const where = targetDir === '.' ? 'The current directory' : `Target directory "${targetDir}"`
    if (!interactive) {
      throw new UsageError(`${where} is not empty. Pick another directory, or pass --force to write into it ` +
        `(files the template writes are replaced; no other file is deleted).`)
    }
    force = answer(
      await prompts.confirm({
        message: `${where} is not empty. Write into it anyway? Files with the template's names are replaced; nothing else is deleted.`,
        initialValue: false,
      }),
    )
    if (!force) cancelled()
  }

  const productName = toProductName(packageName) || 'Taupy App'
  const files = planProject({
    assetsDir: join(packageRoot, 'assets'),
    viteTemplatesDir: viteTemplatesDir(),
    template,
    packageName,
    productName,
  })
  const overwritten = writeProject(root, files)

  const pm = pkgFromUserAgent(process.env.npm_config_user_agent)
  const run = (script: string): string => (pm === 'npm' || pm === 'bun' ? `${pm} run ${script}` : `${pm} ${script}`)
  // An absolute target is printed as given: relative to the cwd it can climb out (`cd ../../tmp/…`).
  const cdPath = isAbsolute(targetDir) ? root : relative(process.cwd(), root)
  const steps = [
    ...(cdPath ? [`cd ${cdPath.includes(' ') ? JSON.stringify(cdPath) : cdPath}`] : []),
    `${pm} install`,
    run('dev'),
  ]
  const lines = [
    `Created ${productName} (${template.label} template) in ${root}`,
    ...(overwritten.length > 0 ? ['', `Replaced ${overwritten.length} existing file(s):`, ...overwritten.map((p) => `  ${p}`)] : []),
    '',
    'Next steps:',
    ...steps.map((step) => `  ${step}`),
    '',
    `${pm === 'npm' ? 'npm start' : run('start')} runs the built app in its window, ${run('package')} makes one executable file.`,
  ]
  if (interactive) prompts.outro(lines.join('\n'))
  else console.log(lines.join('\n'))
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error)
  console.error(`create-taupy: ${message}`)
  if (!(error instanceof UsageError) && error instanceof Error && error.stack) console.error(error.stack)
  process.exit(1)
})
