// The widgets app the update tests release in several versions (test/updates*.test.ts).
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Every version built after this restarts as soon as an update is downloaded when
 * TAUPY_TEST_RESTART is set, as the "Restart to update" button does.
 */
export function restartWhenDownloaded(app: string): void {
  const main = join(app, 'src/main.ts')
  writeFileSync(main, `import { updates as testUpdates } from '../taupy/updates/index.js'\nif (process.env.TAUPY_TEST_RESTART) testUpdates.on('downloaded', () => testUpdates.restartToApply())\n${readFileSync(main, 'utf8')}`)
}

/** The one-text change between 1.0.0 and 1.0.1: a heading the page then shows. */
export function changeOneText(app: string): void {
  const text = join(app, 'src/components/window-title.ts')
  writeFileSync(text, readFileSync(text, 'utf8').replace("heading('Window title', 2)", "heading('Window title, updated', 2)"))
}

/**
 * Every version built after this never starts as an update: it exits with 3, or with
 * TAUPY_TEST_HANG never gets ready (it blocks its only thread). Started from the file itself
 * (no TAUPY_UPDATE_DIR) it would run as usual.
 */
export function breakStartAsUpdate(app: string): void {
  const broken = 'if (process.env.TAUPY_UPDATE_DIR) { if (process.env.TAUPY_TEST_HANG) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); process.exit(3) }'
  const main = join(app, 'src/main.ts')
  writeFileSync(main, `${broken}\n${readFileSync(main, 'utf8')}`)
}
