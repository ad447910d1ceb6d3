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
