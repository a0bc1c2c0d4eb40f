// litmus 0.13 (Debian `litmus`), the WebDAV protocol suite, against uploads/ of the share's own
// listener (issue 12): all five groups (basic, copymove, props, locks, http) run, each group's
// counts printed, and every test of every group must pass (a litmus FAIL line fails this test,
// as does a summary with a failure or no summary at all).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { Orthanc, freePort } from '../lib/orthanc.js';
import { run } from '../lib/davfs.js';
import { PLUGIN, ROOT } from '../../scripts/build.js';

const GROUPS = ['basic', 'copymove', 'props', 'locks', 'http'];

let orthanc;
let url;
let scratch;

before(async () => {
  const port = await freePort();
  orthanc = await (await Orthanc.create(path.join(ROOT, '.test-work', 'litmus'), {
    plugin: PLUGIN,
    options: { WebDavShare: { Listener: { Port: port } } },
  })).start();
  url = `http://127.0.0.1:${port}/webdav/uploads/litmus/`;
  scratch = mkdtempSync(path.join(os.tmpdir(), 'litmus-'));
  assert.equal((await fetch(url, { method: 'MKCOL' })).status, 201);
});

after(async () => {
  await orthanc?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

for (const group of GROUPS) {
  test(`litmus ${group}: every test passes`, async () => {
    // litmus writes debug.log and child.log where it runs: in the test's own folder, not the checkout
    const result = await run('litmus', ['-k', url], { cwd: scratch, env: { ...process.env, TESTS: group }, timeout: 300000 });
    const summary = result.stdout.match(/summary for `\w+': of (\d+) tests run: (\d+) passed, (\d+) failed/);
    assert.ok(summary, `litmus printed a summary:\n${result.stdout}\n${result.stderr}`);
    console.log(`litmus ${group}: ${summary[2]} of ${summary[1]} passed`);
    const failed = [...result.stdout.matchAll(/^\s*\d+\.\s+(\w+)\.+.*FAIL/gm)].map((m) => m[1]);
    assert.deepEqual(failed, [], `litmus ${group} failures:\n${result.stdout}`);
    assert.equal(summary[3], '0', `litmus ${group}: ${summary[3]} failed`);
    assert.equal(summary[2], summary[1], 'every test run passed');
    assert.ok(Number(summary[1]) > 0);
    assert.ok(orthanc.alive, 'Orthanc survived the suite');
  });
}
