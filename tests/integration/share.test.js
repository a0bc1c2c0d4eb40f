// The read-only share against a real Orthanc 1.10.1 with the built plugin, over HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Orthanc } from '../lib/orthanc.js';
import { WebDav } from '../lib/webdav.js';
import { fixtureArchive } from '../lib/fixtures.js';
import { makeInstance, newUid } from '../lib/dicom.js';
import { PLUGIN, ROOT } from '../../scripts/build.js';
import { until } from '../lib/until.js';

let orthanc;
let dav;
let files;
const byUid = new Map(); // SOPInstanceUID -> { tags, buffer, id }

before(async () => {
  orthanc = await (await Orthanc.create(path.join(ROOT, '.test-work', 'share'), {
    plugin: PLUGIN,
    options: { WebDavShare: { TestTrapName: 'trap-me' } },
  })).start();
  dav = new WebDav(orthanc.url, '/webdav');
  files = fixtureArchive();
  for (const file of files) {
    const answer = await orthanc.upload(file.buffer);
    byUid.set(file.tags.SOPInstanceUID, { ...file, id: answer.ID });
  }
});

after(async () => {
  await orthanc?.stop();
});

const names = (entries) => entries.map((e) => e.name).sort();

// The names of every view, and the paths that name nothing, are the behaviour table's
// (tests/lib/behaviour.js, run by behaviour.test.js against the module and the plugin).

test('by-uids: study.json and series.json hold the REST API JSON; instances by SOPInstanceUID', async () => {
  const file = files[0];
  const studyUid = file.tags.StudyInstanceUID;
  const seriesUid = file.tags.SeriesInstanceUID;
  const study = await dav.propfind(['by-uids', studyUid]);
  const studyJson = study.entries.find((e) => e.name === 'study.json');
  assert.ok(studyJson, 'study.json is listed');
  assert.equal(studyJson.type, 'application/json');
  const got = await dav.get(['by-uids', studyUid, 'study.json']);
  assert.equal(got.status, 200);
  assert.equal(got.body.length, studyJson.size);
  const studyId = byUid.get(file.tags.SOPInstanceUID).id;
  const instance = await orthanc.rest('GET', `/instances/${studyId}`);
  const series = await orthanc.rest('GET', `/series/${instance.ParentSeries}`);
  assert.deepEqual(JSON.parse(got.body), await orthanc.rest('GET', `/studies/${series.ParentStudy}`));
  const seriesListing = await dav.propfind(['by-uids', studyUid, seriesUid]);
  assert.deepEqual(names(seriesListing.entries), [`${files[0].tags.SOPInstanceUID}.dcm`, `${files[1].tags.SOPInstanceUID}.dcm`, 'series.json'].sort());
  const seriesJson = await dav.get(['by-uids', studyUid, seriesUid, 'series.json']);
  assert.deepEqual(JSON.parse(seriesJson.body), series);
});

test('instances: size, type and date from the database; GET returns the stored file byte for byte', async () => {
  const { files: all } = await dav.walk(['by-studies']);
  const dicoms = all.filter((e) => e.name.endsWith('.dcm'));
  assert.equal(dicoms.length, files.length);
  for (const entry of dicoms) {
    const id = entry.name.slice(0, -4);
    const original = [...byUid.values()].find((f) => f.id === id);
    assert.ok(original, `${entry.name} is an uploaded instance`);
    assert.equal(entry.type, 'application/dicom');
    assert.equal(entry.size, original.buffer.length);
    const reception = await orthanc.rest('GET', `/instances/${id}/metadata/ReceptionDate`);
    const expected = `${reception.slice(0, 4)}-${reception.slice(4, 6)}-${reception.slice(6, 8)}T${reception.slice(9, 11)}:${reception.slice(11, 13)}:${reception.slice(13, 15)}Z`;
    assert.equal(entry.lastModified, expected);
    const got = await dav.get(entry.components);
    assert.equal(got.status, 200);
    assert.ok(got.body.equals(original.buffer), `${entry.name} is byte-identical`);
  }
  assert.ok(dicoms.some((e) => e.size > 4 * 1024 * 1024), 'the multi-frame file is several MB');
});

test('every instance appears exactly once in each of the four views', async () => {
  const ids = new Set([...byUid.values()].map((f) => f.id));
  for (const view of ['by-patients', 'by-studies', 'by-dates']) {
    const { files: listed } = await dav.walk([view]);
    const seen = listed.filter((e) => e.name.endsWith('.dcm')).map((e) => e.name.slice(0, -4)).sort();
    assert.deepEqual(seen, [...ids].sort(), view);
  }
  const { files: uids } = await dav.walk(['by-uids']);
  const seen = uids.filter((e) => e.name.endsWith('.dcm')).map((e) => e.name.slice(0, -4)).sort();
  assert.deepEqual(seen, [...byUid.keys()].sort(), 'by-uids');
});

// Additions come from the change log, read at every request. Deletions come from Orthanc's
// change callback, which runs on Orthanc's change thread after the DELETE is answered: the
// next request may come a moment before it.
const deletionReported = (what, check) => until(what, check, 5);

test('a study added or deleted through the REST API shows at the next request, and goes once Orthanc reports the deletion', async () => {
  const tags = { PatientID: 'NEW1', PatientName: 'Fresh^Patient', StudyInstanceUID: newUid(), SeriesInstanceUID: newUid(), StudyDate: '20220101', StudyDescription: 'Fresh', Modality: 'MR', SeriesDescription: 'S' };
  const added = await orthanc.upload(makeInstance(tags));
  const listing = await dav.propfind(['by-studies']);
  assert.ok(names(listing.entries).includes('NEW1 - Fresh^Patient - Fresh'));
  const uids = await dav.propfind(['by-uids', tags.StudyInstanceUID]);
  assert.equal(uids.status, 207);
  await orthanc.rest('DELETE', `/studies/${added.ParentStudy}`);
  await deletionReported('the study to leave by-studies/',
    async () => !names((await dav.propfind(['by-studies'])).entries).includes('NEW1 - Fresh^Patient - Fresh'));
  const after = await dav.propfind(['by-studies']);
  assert.ok(!names(after.entries).includes('NEW1 - Fresh^Patient - Fresh'));
  assert.equal((await dav.propfind(['by-uids', tags.StudyInstanceUID])).status, 404);
  assert.equal((await dav.propfind(['by-patients', 'NEW1 - Fresh^Patient'])).status, 404);
  assert.equal((await dav.propfind(['by-dates', '2022'])).status, 404);
});

test('a series that grows shows its new instance', async () => {
  const base = files[3].tags; // the knee series, one instance
  const extra = { ...base, SOPInstanceUID: newUid(), InstanceNumber: '2' };
  const path_ = ['by-uids', base.StudyInstanceUID, base.SeriesInstanceUID];
  const before_ = await dav.propfind(path_);
  const added = await orthanc.upload(makeInstance(extra));
  const after_ = await dav.propfind(path_);
  assert.equal(after_.entries.length, before_.entries.length + 1);
  assert.ok(names(after_.entries).includes(`${extra.SOPInstanceUID}.dcm`));
  await orthanc.rest('DELETE', `/instances/${added.ID}`);
  await deletionReported('the instance to leave the series', async () => (await dav.propfind(path_)).entries.length === before_.entries.length);
  const again = await dav.propfind(path_);
  assert.equal(again.entries.length, before_.entries.length);
});

test('an instance arriving in one series makes only that series be read again', async () => {
  const knee = files[3].tags; // a series of its own
  const other = files.find((f) => f.tags.SeriesInstanceUID !== knee.SeriesInstanceUID).tags;
  const kneePath = ['by-uids', knee.StudyInstanceUID, knee.SeriesInstanceUID];
  const otherPath = ['by-uids', other.StudyInstanceUID, other.SeriesInstanceUID];
  await dav.propfind(kneePath);
  const otherBefore = await dav.propfind(otherPath); // both lists cached now
  const reads = async () => (await orthanc.rest('GET', '/webdav-share/status')).InstanceListsRead;
  const start = await reads();
  await dav.propfind(otherPath);
  assert.equal(await reads(), start, 'a cached list is not read again without a change');
  const uid = newUid();
  const added = await orthanc.upload(makeInstance({ ...knee, SOPInstanceUID: uid, InstanceNumber: '3' }));
  const otherAfter = await dav.propfind(otherPath);
  assert.deepEqual(names(otherAfter.entries), names(otherBefore.entries));
  assert.equal(await reads(), start, 'the other series is served from its cached list');
  const kneeAfter = await dav.propfind(kneePath);
  assert.equal(await reads(), start + 1, 'the grown series is read again, once');
  assert.ok(names(kneeAfter.entries).includes(`${uid}.dcm`), 'the new instance is listed');
  await orthanc.rest('DELETE', `/instances/${added.ID}`);
});

test('writes in the DICOM views are refused by default: nothing changes', async () => {
  const before_ = await orthanc.rest('GET', '/statistics');
  const del = await dav.request('DELETE', ['by-studies']);
  assert.equal(del.status, 403);
  const put = await dav.request('PUT', ['by-studies', 'x.dcm'], { body: files[0].buffer });
  assert.equal(put.status, 403);
  const after_ = await orthanc.rest('GET', '/statistics');
  assert.equal(after_.CountInstances, before_.CountInstances);
});

test('a trap in the module is contained: error answer, Orthanc alive, share works again', async () => {
  for (const kind of ['unreachable', 'oob', 'stack', 'abort']) {
    const before_ = await orthanc.rest('GET', '/webdav-share/status');
    const trapped = await dav.propfind(['by-patients', `trap-me-${kind}`]);
    assert.ok(trapped.status >= 500, `${kind}: error status, got ${trapped.status}`);
    assert.ok(orthanc.alive, 'Orthanc is still running');
    const again = await dav.propfind(['by-patients']);
    assert.equal(again.status, 207);
    assert.equal(again.entries.length, 4);
    const after_ = await orthanc.rest('GET', '/webdav-share/status');
    assert.equal(after_.Traps, before_.Traps + 1);
  }
});

test('an upload whose check makes the module trap is reported, and checked no more', async () => {
  const before_ = await orthanc.rest('GET', '/webdav-share/status');
  // The test configuration makes the check trap on a file beginning with its TestTrapName.
  const body = Buffer.concat([Buffer.from('trap-me'), makeInstance({ SOPInstanceUID: newUid() })]);
  assert.equal((await dav.request('PUT', ['uploads', 'checked.dcm'], { body })).status, 201);
  await until('the report', async () => (await dav.uploadsTree()).files.includes('checked.dcm.error.txt'));
  const report = (await dav.get(['uploads', 'checked.dcm.error.txt'])).body.toString();
  assert.match(report, /uploads\/checked\.dcm was not imported.*check of this file failed \(a fault of the plugin/s);
  assert.ok(orthanc.alive);
  await new Promise((r) => setTimeout(r, 2500)); // workers wake every second: a loop would show
  assert.equal((await orthanc.rest('GET', '/webdav-share/status')).Traps, before_.Traps + 1, 'one trap, not a loop');
  assert.deepEqual((await dav.uploadsTree()).files, ['checked.dcm.error.txt']);
  assert.equal((await dav.request('DELETE', ['uploads', 'checked.dcm.error.txt'])).status, 204);
});

test('the status route reports version, counts, change sequence and sync time', async () => {
  await dav.propfind([]);
  const status = await orthanc.rest('GET', '/webdav-share/status');
  const stats = await orthanc.rest('GET', '/statistics');
  assert.match(status.Version, /^\d+\.\d+\.\d+$/);
  assert.equal(status.Patients, stats.CountPatients);
  assert.equal(status.Studies, stats.CountStudies);
  assert.equal(status.Series, stats.CountSeries);
  const changes = await orthanc.rest('GET', '/changes?last');
  // Deleting a resource removes its entries from the log, so the log's last entry may be older.
  assert.ok(status.LastChangeSeq >= changes.Last);
  assert.match(status.LastSync, /^\d{8}T\d{6}$/);
  assert.equal(typeof status.Traps, 'number');
});
