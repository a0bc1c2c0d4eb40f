// The table of tests/lib/behaviour.js against both backends: the module in Node with a fake
// Orthanc (its REST answers computed from the fixture), and the real plugin in Orthanc 1.10.1
// holding the same files. A case that passes on one and fails on the other is a fake that lies
// or a shim that changes what the module said.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Orthanc } from '../lib/orthanc.js';
import { WebDav } from '../lib/webdav.js';
import { instantiate, encodePath, decodeListing } from '../lib/guest.js';
import { behaviourFixture, behaviourTable, fakeRest } from '../lib/behaviour.js';
import { PLUGIN, ROOT } from '../../scripts/build.js';

const fixture = behaviourFixture();
const table = behaviourTable(fixture);

/**
 * A backend answers, for a path: { folder: [{ name, isFolder, size }] } when it is a folder,
 * { file: { instance } | { json } } when it is a file, {} when nothing is there.
 */
async function moduleBackend() {
  const guest = await instantiate(fakeRest(fixture));
  const configured = guest.output(guest.call('configure', Buffer.from(JSON.stringify({ WebDavEnabled: false }))));
  assert.equal(configured[0], 0, 'the module serves');
  return async (components) => {
    const folderBits = guest.call('is_existing_folder', encodePath(components));
    const listed = guest.call('list_folder', encodePath(components));
    if (listed >= 0) {
      assert.equal(folderBits & 1, 1, 'a folder that lists is a folder');
      return { folder: decodeListing(guest.output(listed)) };
    }
    assert.equal(folderBits & 1, 0, 'a folder that does not list is no folder');
    const retrieved = guest.call('retrieve_file', encodePath(components));
    if (retrieved < 0) return {};
    const answer = guest.output(retrieved);
    let at = 1 + answer[0];
    at += 1 + answer[at];
    const kind = answer[at];
    const body = answer.subarray(at + 5, at + 5 + answer.readUInt32LE(at + 1));
    return { file: kind === 1 ? { instance: body.toString() } : { json: JSON.parse(body.toString()) } };
  };
}

let orthanc;

async function pluginBackend() {
  orthanc = await (await Orthanc.create(path.join(ROOT, '.test-work', 'behaviour'), { plugin: PLUGIN })).start();
  for (const file of fixture.files) {
    const answer = await orthanc.upload(file.buffer);
    assert.equal(answer.ID, file.ids.instance, 'Orthanc gives the instance the id the fake computes');
  }
  const dav = new WebDav(orthanc.url, '/webdav');
  return async (components) => {
    const listed = await dav.propfind(components, 1);
    if (listed.status === 207 && (components.length === 0 || listed.self?.isFolder)) {
      return { folder: listed.entries.map((e) => ({ name: e.name, isFolder: e.isFolder, size: e.size ?? 0 })) };
    }
    const got = await dav.get(components);
    if (got.status === 404) return {};
    assert.equal(got.status, 200, `GET ${components.join('/')}`);
    if (got.type === 'application/json') return { file: { json: JSON.parse(got.body.toString()) } };
    const file = fixture.files.find((f) => f.buffer.equals(got.body));
    assert.ok(file, `GET ${components.join('/')} serves a fixture file byte for byte`);
    return { file: { instance: file.ids.instance } };
  };
}

const backends = {};
before(async () => {
  backends.module = await moduleBackend();
  backends.plugin = await pluginBackend();
});

after(async () => {
  await orthanc?.stop();
});

/** The size of the fixture file a .dcm name stands for (by Orthanc id, or by SOPInstanceUID in by-uids). */
const sizeOfFileNamed = (name) => fixture.files.find((f) => `${f.ids.instance}.dcm` === name || `${f.tags.SOPInstanceUID}.dcm` === name)?.buffer.length;

for (const backendName of ['module', 'plugin']) {
  test(`the behaviour table against the ${backendName === 'module' ? 'module in Node with a fake Orthanc' : 'real plugin in Orthanc 1.10.1'}`, async (t) => {
    for (const row of table) {
      await t.test(`${row.what}: /${row.path.join('/')}`, async () => {
        const answer = await backends[backendName](row.path);
        if (row.entries) {
          assert.ok(answer.folder, 'a folder');
          const names = answer.folder.map((e) => (e.isFolder ? `${e.name}/` : e.name)).sort();
          assert.deepEqual(names, [...row.entries].sort());
          for (const entry of answer.folder.filter((e) => e.name.endsWith('.dcm'))) {
            assert.equal(entry.size, sizeOfFileNamed(entry.name), `${entry.name}: the size of its file`);
          }
        } else if (row.file === 'json') {
          assert.ok(answer.file?.json, 'a JSON file');
          assert.equal(typeof answer.file.json.ID, 'string', 'the REST API\'s JSON of a resource');
        } else if (row.file) {
          assert.equal(answer.file?.instance, fixture.bySop.get(row.file).ids.instance, 'the instance\'s file');
        } else {
          assert.ok(row.missing, 'a case says what is there');
          assert.deepEqual(answer, {}, 'nothing there');
        }
      });
    }
  });
}
