// Churn: the same studies added and deleted again and again, listed in every view each time.
// The catalog and the caches must come back to their size, and the module's memory must stop
// growing (WebAssembly memory never shrinks, so "returns to its level" means: after the first
// rounds, a round leaves it where it was).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Orthanc } from '../lib/orthanc.js';
import { WebDav } from '../lib/webdav.js';
import { makeInstance, newUid } from '../lib/dicom.js';
import { PLUGIN, ROOT } from '../../scripts/build.js';
import { until } from '../lib/until.js';

const ROUNDS = 8;
const STUDIES = 40;

let orthanc;
let dav;

before(async () => {
  orthanc = await (await Orthanc.create(path.join(ROOT, '.test-work', 'churn'), { plugin: PLUGIN })).start();
  dav = new WebDav(orthanc.url);
  for (let i = 0; i < 5; i += 1) await orthanc.upload(makeInstance({ PatientID: `KEEP${i}` })); // stays throughout
});

after(async () => {
  await orthanc?.stop();
});

test('adding and deleting the same studies again and again: the catalog comes back, memory stops growing', async (t) => {
  const files = [];
  for (let i = 0; i < STUDIES; i += 1) {
    const study = { PatientID: `CHURN${i % 8}`, PatientName: `Churn^${i % 8}`, StudyInstanceUID: newUid(), StudyDescription: `Churn ${i % 3}`, StudyDate: `2021${String((i % 12) + 1).padStart(2, '0')}01` };
    for (let s = 0; s < 2; s += 1) files.push(makeInstance({ ...study, SeriesInstanceUID: `${study.StudyInstanceUID}.${s}`, SOPInstanceUID: newUid() }));
  }
  const base = await until('the catalog of the 5 starting studies', async () => {
    const status = await orthanc.rest('GET', '/webdav-share/status');
    return status.CatalogReady && status.Studies === 5 && status;
  });
  assert.equal(base.Studies, 5, 'the catalog holds the 5 kept studies');
  const memory = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const ids = new Set();
    for (const file of files) ids.add((await orthanc.upload(file)).ParentStudy);
    // listed in every view, so that names, listings and instance lists are cached
    const { files: listed } = await dav.walk();
    assert.equal(listed.filter((f) => f.name.endsWith('.dcm')).length, 4 * (files.length + 5), `round ${round}: every instance in the four views`);
    for (const id of ids) await orthanc.rest('DELETE', `/studies/${id}`);
    // Orthanc tells plugins of deletions from its change thread, after answering the DELETE, so
    // while waiting a folder listed by its parent may be gone when its own turn comes.
    const dcmCount = async (options) => (await dav.walk([], options)).files.filter((f) => f.name.endsWith('.dcm')).length;
    await until(`round ${round}: the deletions reported`, async () => (await dcmCount({ vanishingFolders: true })) <= 4 * 5, 5);
    assert.equal(await dcmCount(), 4 * 5, `round ${round}: only the kept instances are left`);
    const status = await orthanc.rest('GET', '/webdav-share/status');
    assert.equal(status.Patients, base.Patients, `round ${round}: patients back to their count`);
    assert.equal(status.Studies, base.Studies);
    assert.equal(status.Series, base.Series);
    assert.ok(status.CachedSeries <= base.Series + 0, `round ${round}: no instance list of a deleted series is kept (${status.CachedSeries})`);
    memory.push(status.ModuleMemoryBytes);
  }
  t.diagnostic(`module memory after each round: ${memory.map((m) => `${(m / 1048576).toFixed(0)} MB`).join(', ')}`);
  // WebAssembly memory grows by doubling: one doubling after round 2 is the collector's timing,
  // more would be a leak.
  const settled = memory.slice(2);
  assert.ok(settled.every((m) => m <= settled[0] * 2), `the module's memory grew more than one doubling after round 2: ${memory.join(', ')}`);
});
