// litmus 0.13 (Debian `litmus`), the WebDAV protocol suite, against uploads/ of the share's own
// listener (issue 12): all five groups run, each group's counts printed. Writing through the
// listener is being built: the tests that fail today are listed below by name, each for the
// method it needs, and every other test must pass; a failure not in the list fails this test,
// and so does a listed test that passes (the list must shrink with the work, README "Tests").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Orthanc, freePort } from '../lib/orthanc.js';
import { run } from '../lib/davfs.js';
import { PLUGIN, ROOT } from '../../scripts/build.js';

const GROUPS = ['basic', 'copymove', 'props', 'locks', 'http'];
// group -> test names still failing, and why
const NOT_YET = {
  copymove: ['copy_simple', 'copy_overwrite', 'copy_coll', 'copy_shallow', 'move_coll'], // COPY
  locks: ['copy'], // COPY of a locked resource
};

let orthanc;
let url;

before(async () => {
  const port = await freePort();
  orthanc = await (await Orthanc.create(path.join(ROOT, '.test-work', 'litmus'), {
    plugin: PLUGIN,
    options: { WebDavShare: { Listener: { Port: port } } },
  })).start();
  url = `http://127.0.0.1:${port}/webdav/uploads/litmus/`;
  assert.equal((await fetch(url, { method: 'MKCOL' })).status, 201);
});

after(async () => {
  await orthanc?.stop();
});

for (const group of GROUPS) {
  test(`litmus ${group}: every test passes but those listed as not yet built`, async () => {
    const result = await run('litmus', ['-k', url], { env: { ...process.env, TESTS: group }, timeout: 300000 });
    const summary = result.stdout.match(/summary for `\w+': of (\d+) tests run: (\d+) passed, (\d+) failed/);
    assert.ok(summary, `litmus printed a summary:\n${result.stdout}\n${result.stderr}`);
    console.log(`litmus ${group}: ${summary[2]} of ${summary[1]} passed`);
    const failed = [...result.stdout.matchAll(/^\s*\d+\.\s+(\w+)\.+.*FAIL/gm)].map((m) => m[1]);
    const expected = NOT_YET[group] ?? [];
    assert.deepEqual([...new Set(failed)].sort(), [...expected].sort(), `litmus ${group} failures:\n${result.stdout}`);
    assert.ok(Number(summary[1]) > 0);
    assert.ok(orthanc.alive, 'Orthanc survived the suite');
  });
}
