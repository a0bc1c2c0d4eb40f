// Layout and contents against Orthanc's built-in share, on the same data in the same process:
// the built-in at /webdav, the plugin at /share. On names the built-in renders correctly (ASCII,
// no forbidden characters, valid dates), both shares must list the same tree.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Orthanc } from '../lib/orthanc.js';
import { WebDav } from '../lib/webdav.js';
import { asciiArchive } from '../lib/fixtures.js';
import { PLUGIN, ROOT } from '../../scripts/build.js';

let orthanc;
let builtin;
let plugin;

before(async () => {
  orthanc = await (await Orthanc.create(path.join(ROOT, '.test-work', 'compat'), {
    plugin: PLUGIN,
    options: { WebDavEnabled: true, WebDavUploadAllowed: true, WebDavShare: { Root: '/share' } },
  })).start();
  for (const file of asciiArchive(3)) await orthanc.upload(file.buffer);
  builtin = new WebDav(orthanc.url, '/webdav');
  plugin = new WebDav(orthanc.url, '/share');
});

after(async () => {
  await orthanc?.stop();
});

/** Every path of a view, with what the listing says of it (size and type for files). */
async function tree(dav, view) {
  const { files, folders } = await dav.walk([view]);
  const paths = new Map();
  for (const f of folders) paths.set(f.components.join('/'), 'folder');
  for (const f of files) paths.set(f.components.join('/'), `${f.size} ${f.type}`);
  return paths;
}

for (const view of ['by-patients', 'by-studies', 'by-dates', 'by-uids']) {
  test(`${view}: the same paths, sizes and types as the built-in share`, async () => {
    const expected = await tree(builtin, view);
    const actual = await tree(plugin, view);
    assert.ok(expected.size > 10, 'the built-in lists the archive');
    // The built-in answers study.json / series.json with the JSON of the moment: sizes may
    // differ by the length of a changing date; compare their presence, not their size.
    const normalize = (paths) => new Map([...paths].map(([p, v]) => [p, p.endsWith('.json') ? 'json' : v]));
    assert.deepEqual(normalize(actual), normalize(expected));
  });
}

test('the root lists the same folders', async () => {
  const a = (await builtin.propfind([])).entries.map((e) => e.name).sort();
  const b = (await plugin.propfind([])).entries.map((e) => e.name).sort();
  assert.deepEqual(b, a);
});

test('instances and JSON files have the same content', async () => {
  const { files } = await builtin.walk(['by-uids']);
  for (const f of files.slice(0, 12)) {
    const a = await builtin.get(f.components);
    const b = await plugin.get(f.components);
    assert.equal(b.status, 200, f.components.join('/'));
    if (f.name.endsWith('.json')) {
      const ja = JSON.parse(a.body);
      const jb = JSON.parse(b.body);
      assert.equal(jb.ID, ja.ID);
      assert.deepEqual(jb.MainDicomTags, ja.MainDicomTags);
    } else {
      assert.ok(b.body.equals(a.body), f.components.join('/'));
    }
  }
});

test('where the built-in answers 207 for a missing folder, the plugin answers 404', async () => {
  const missing = ['by-patients', 'Nobody - Here'];
  assert.equal((await builtin.propfind(missing)).status, 207);
  assert.equal((await plugin.propfind(missing)).status, 404);
});
