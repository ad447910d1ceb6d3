// Cleanup of old caxa extractions (taupy/packaging/old-builds.ts) against starts of those same
// builds: a build launched a moment ago but not yet marked in use is kept (Linux sees its
// process), a start that meets a cleanup's claim waits for its decision, and claims of dead or
// live removers are handled. Real processes, real folders in caxa's layout.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { markInUse, removeOldBuilds, survivesCleanup } from '../scripts/packaging/old-builds.js'
import { tempDir } from './helpers/cli.js'

const temp = tempDir('taupy-old-builds-')
const apps = join(temp, 'caxa/applications/my-app')
const started: ChildProcess[] = []
after(() => {
  for (const child of started) child.kill('SIGKILL')
  rmSync(temp, { recursive: true, force: true })
})

/** A build folder `<apps>/<name>/0` with a `node` file, last touched `ageMs` ago. */
function build(name: string, ageMs = 3_600_000): string {
  const attempt = join(apps, name, '0')
  mkdirSync(attempt, { recursive: true })
  copyFileSync('/bin/sleep', join(attempt, 'node'))
  age(join(apps, name), ageMs)
  return attempt
}
function age(path: string, ageMs: number): void {
  const then = new Date(Date.now() - ageMs)
  utimesSync(path, then, then)
}
/** A live process that is not us (a remover or an app, as far as the cleanup can tell). */
function sleeper(executable = '/bin/sleep'): ChildProcess {
  const child = spawn(executable, ['60'], { stdio: 'ignore' })
  started.push(child)
  return child
}
const current = build('current', 0)

test('a build launched a moment ago, before it could mark itself in use, is kept (Linux)', { skip: process.platform !== 'linux' && 'needs /proc' }, async () => {
  const launched = build('launched-just-now')
  const app = sleeper(join(launched, 'node')) // its Node runs, its entry has not marked yet
  await new Promise((resolve) => setTimeout(resolve, 100))
  assert.deepEqual(await removeOldBuilds(current), [])
  assert.ok(existsSync(join(launched, 'node')), 'kept while it runs')
  assert.ok(!existsSync(join(apps, 'launched-just-now/.taupy-removing')), 'the claim is dropped')

  app.kill('SIGKILL')
  await new Promise((resolve) => app.once('exit', resolve))
  age(join(apps, 'launched-just-now'), 3_600_000)
  assert.deepEqual(await removeOldBuilds(current), [join(apps, 'launched-just-now')])
  assert.ok(!existsSync(join(apps, 'launched-just-now')))
  assert.deepEqual(readdirSync(apps).filter((name) => name.startsWith('.')), [], 'nothing half-removed left')
})

test('a build marked in use by a live process, or touched recently, is kept; an unused old one goes', async () => {
  const markedBuild = build('marked')
  const app = sleeper()
  mkdirSync(join(markedBuild, '.taupy-running'))
  writeFileSync(join(markedBuild, '.taupy-running', String(app.pid)), '')
  age(join(apps, 'marked'), 3_600_000)
  build('fresh', 0)
  build('unused')
  assert.deepEqual(await removeOldBuilds(current), [join(apps, 'unused')])
  assert.ok(existsSync(join(apps, 'marked')) && existsSync(join(apps, 'fresh')))
  for (const name of ['marked', 'fresh']) rmSync(join(apps, name), { recursive: true })
})

test("a build claimed by a live remover is left to it; a dead remover's claim and half-removed leftovers are taken over", async () => {
  const remover = sleeper()
  build('claimed')
  writeFileSync(join(apps, 'claimed/.taupy-removing'), String(remover.pid))
  age(join(apps, 'claimed'), 3_600_000)
  build('claimed-by-the-dead')
  writeFileSync(join(apps, 'claimed-by-the-dead/.taupy-removing'), String(2 ** 22 + 1)) // above Linux's pid_max
  age(join(apps, 'claimed-by-the-dead'), 3_600_000)
  mkdirSync(join(apps, `.removing-cut-short-${2 ** 22 + 1}`))
  assert.deepEqual(await removeOldBuilds(current), [join(apps, 'claimed-by-the-dead')])
  assert.ok(existsSync(join(apps, 'claimed/0/node')))
  assert.ok(!existsSync(join(apps, `.removing-cut-short-${2 ** 22 + 1}`)))
  rmSync(join(apps, 'claimed'), { recursive: true })
})

test('a start that meets a claim waits for the decision: it runs if the remover backs off, stops if its build goes', async () => {
  const remover = sleeper()
  const kept = build('starting-kept')
  writeFileSync(join(apps, 'starting-kept/.taupy-removing'), String(remover.pid))
  markInUse(kept)
  const since = Date.now()
  setTimeout(() => rmSync(join(apps, 'starting-kept/.taupy-removing')), 300) // the remover saw the mark
  assert.equal(await survivesCleanup(kept), true)
  assert.ok(Date.now() - since >= 250, 'it waited for the decision')

  const gone = build('starting-gone')
  writeFileSync(join(apps, 'starting-gone/.taupy-removing'), String(remover.pid))
  markInUse(gone)
  setTimeout(() => renameSync(join(apps, 'starting-gone'), join(apps, `.removing-starting-gone-${remover.pid}`)), 300) // it did not
  assert.equal(await survivesCleanup(gone), false)

  const unclaimed = build('starting-unclaimed')
  markInUse(unclaimed)
  assert.equal(await survivesCleanup(unclaimed), true)
})
