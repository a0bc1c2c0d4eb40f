// What Orthanc's own WebDAV tests (orthanc-tests, Plugins/WebDav/Run.py) expect of uploads/,
// checked on the plugin with its default configuration. Those tests start each case
// from an uploads/ that lists no file, PUT, then poll until at most one file is listed, and
// count the instances: an imported file must leave the listing, while clients that check what
// they just wrote (rclone, davfs2) still find it by its name for ImportedLingerSeconds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Orthanc } from '../lib/orthanc.js';
import { WebDav } from '../lib/webdav.js';
import { makeInstance, newUid } from '../lib/dicom.js';
import { PLUGIN, ROOT } from '../../scripts/build.js';
import { until } from '../lib/until.js';

let orthanc;
let dav;

before(async () => {
  orthanc = await (await Orthanc.create(path.join(ROOT, '.test-work', 'official'), { plugin: PLUGIN })).start();
  dav = new WebDav(orthanc.url);
});

after(async () => {
  await orthanc?.stop();
});

/** Files listed below uploads/ (as Run.py's ListFiles counts them: entries with a content type). */
const listedFiles = async () => (await dav.uploadsTree()).files;
const instances = async () => (await orthanc.rest('GET', '/instances')).length;

/** Run.py's wait: poll while more than one file is listed, then 0.1 s. */
async function waitAsRunPyDoes() {
  await until('at most one listed file', async () => (await listedFiles()).length <= 1);
  await new Promise((r) => setTimeout(r, 100));
}

test('the root lists the four views and uploads/, folders of size 0 without content type', async () => {
  const { entries } = await dav.propfind([]);
  assert.deepEqual(entries.map((e) => e.name).sort(), ['by-dates', 'by-patients', 'by-studies', 'by-uids', 'uploads']);
  for (const e of entries) {
    assert.equal(e.isFolder, true);
    assert.ok(e.size === undefined || e.size === 0, `${e.name} size`);
  }
});

test('test_upload, then test_upload_folders: each begins with uploads/ listing no file', async () => {
  assert.deepEqual(await listedFiles(), []);
  const sop = newUid();
  assert.equal((await dav.request('PUT', ['uploads', 'DummyCT.dcm'], { body: makeInstance({ SOPInstanceUID: sop }) })).status, 201);
  await waitAsRunPyDoes();
  await until('the instance', async () => (await instances()) === 1, 5);
  // test_upload_folders starts now, well within the default ImportedLingerSeconds (5 s).
  await until('uploads/ to list no file', async () => (await listedFiles()).length === 0, 2);
  const imported = await dav.request('PROPFIND', ['uploads', 'DummyCT.dcm'], { depth: 0 });
  assert.equal(imported.status, 207, 'the imported file is still reachable by its name');
  await dav.request('MKCOL', ['uploads', 'a']);
  await dav.request('MKCOL', ['uploads', 'b']);
  assert.equal((await dav.request('PUT', ['uploads', 'a', 'DummyCT.dcm'], { body: makeInstance({ SOPInstanceUID: newUid() }) })).status, 201);
  assert.equal((await dav.request('PUT', ['uploads', 'b', 'ColorTestMalaterre.dcm'], { body: makeInstance({ SOPInstanceUID: newUid() }) })).status, 201);
  await waitAsRunPyDoes();
  await until('both instances', async () => (await instances()) === 3, 5);
  await until('uploads/ to list no file', async () => (await listedFiles()).length === 0, 2);
});

test('test_upload_zip: a ZIP with a text file and two copies of one instance gives that instance', async () => {
  const { zipSync } = await import('fflate');
  const before_ = await instances();
  const instance = new Uint8Array(makeInstance({ SOPInstanceUID: newUid() }));
  const zip = Buffer.from(zipSync({ 'invalid.txt': new Uint8Array(Buffer.from('hello')), 'a.dcm': instance, 'b.dcm': instance }));
  assert.equal((await dav.request('PUT', ['uploads', 'DummyCT.zip'], { body: zip })).status, 201);
  await waitAsRunPyDoes();
  await until('the instance', async () => (await instances()) === before_ + 1, 5);
  await until('uploads/ to list no file', async () => (await listedFiles()).length === 0, 2);
});
