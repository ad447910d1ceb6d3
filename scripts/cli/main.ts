// `taupy <command>`: the app's tooling, called from its package.json scripts.
import { parseArgs } from 'node:util'
import { buildAll } from './build.js'
import { readConfig } from './config.js'
import { dev } from './dev.js'
import { start } from './start.js'

const usage = `Usage: taupy <command> [options]

Commands:
  build                 build the UI and bundle the backend into dist/
  start                 run the built app in its window (builds first when sources changed)
    --no-window         run only the backend and print its ready line (tests, CI, headless)
    --browser           open the system browser instead of the native window
  dev                   develop: the backend restarts on save and the page reloads by itself
    --no-window         print the ready line instead of opening a window
    --browser           open the system browser instead of the native window
    --latency <ms>      delay every widgets message both ways by <ms>, to see pending states
  package               make one executable file (see the app README)
    --release           also write dist/release/: the file, the app-only update and the signed update.json
  keygen                make the Ed25519 key pair that signs updates (private key outside the project)`

export async function main(argv: string[], appDir: string): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: {
      'no-window': { type: 'boolean' },
      supervise: { type: 'boolean' },
      browser: { type: 'boolean' },
      latency: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const command = positionals[0]
  const config = readConfig(appDir)
  switch (command) {
    case 'build':
      return buildAll(config)
    case 'dev':
      if (values.latency !== undefined) {
        const ms = Number(values.latency)
        if (typeof values.latency !== 'string' || !Number.isInteger(ms) || ms < 0 || ms > 10_000) {
          console.error('taupy dev: --latency takes a whole number of milliseconds, 0 to 10000 (e.g. --latency 200)')
          process.exitCode = 1
          return
        }
        // Read by the widgets server of every backend the session starts (dev only).
        process.env.TAUPY_LATENCY_MS = String(ms)
      }
      return dev(config, { window: !values['no-window'], browser: Boolean(values.browser), supervise: Boolean(values.supervise) })
    case 'start':
      return start(config, { window: !values['no-window'], browser: Boolean(values.browser) })
    case 'package':
      return (await import('./package.js')).packageApp(config, argv.slice(argv.indexOf('package') + 1))
    case 'keygen':
      try {
        return (await import('./keygen.js')).keygen(config, argv.slice(argv.indexOf('keygen') + 1))
      } catch (error) {
        if (!(error instanceof Error && error.message.startsWith('taupy keygen:'))) throw error
        console.error(error.message)
        process.exitCode = 1
        return
      }
    default:
      console.error(command && !values.help ? `taupy: unknown command "${command}"\n\n${usage}` : usage)
      process.exitCode = command && !values.help ? 1 : 0
  }
}
