// Writing through a davfs2 mount (read-write) of the plugin's share: a CD copied with cp -r is
// imported whole and leaves uploads/, a broken file gets its report visible in the mount, and
// rm -r of a study folder deletes exactly that study. Verdicts come from Orthanc's REST API
// and from the share over HTTP, never from davfs2's own cache.
//
// davfs2 is mounted twice: with its defaults (use_locks 1: LOCK, HEAD, HEAD, UNLOCK, PUT, HEAD
// per file; Orthanc's core fakes LOCK) and with use_locks 0 (PUT, HEAD per file). davfs2 checks
// files with HEAD, never with a PROPFIND Depth 0 (which Orthanc 1.10.1 answers with the parent
// folder first, see README), so that quirk does not touch it. Uploads are asynchronous (davfs2
// uploads when a file is closed; the plugin imports in the background): every wait polls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Orthanc } from '../lib/orthanc.js';
import { WebDav } from '../lib/webdav.js';
import { makeInstance, newUid } from '../lib/dicom.js';
import { mountDavfs, run, succeeded } from '../lib/davfs.js';
import { PLUGIN, ROOT } from '../../scripts/build.js';
import { until } from '../lib/until.js';

let orthanc;
let dav;
let tmp; // scratch: source trees, mount points, davfs2 caches and configurations
const mounts = {}; // 'locks' (davfs2's default use_locks 1) and 'nolocks' (use_locks 0)
let studies; // the archive rm -r works on: { keep, remove, other } -> { id, instances: [ids] }

const status = () => orthanc.rest('GET', '/webdav-share/status');

const sopUids = () => orthanc.sopInstanceUids();

const uploadsTree = () => dav.uploadsTree();

/** A patient with two studies (one to remove, one to keep) and another patient: 2 series x 2 instances each. */
async function loadStudies() {
  const made = {};
  const patients = { keep: 'RMA', remove: 'RMA', other: 'RMB' };
  for (const [key, patientId] of Object.entries(patients)) {
    const study = { PatientID: patientId, PatientName: `Remove^${patientId}`, StudyInstanceUID: newUid(), StudyDescription: `Study ${key}`, StudyDate: '20220101' };
    made[key] = { instances: [] };
    for (let s = 0; s < 2; s += 1) {
      const series = { ...study, SeriesInstanceUID: newUid(), Modality: 'CT', SeriesDescription: `Series${s}` };
      for (let i = 0; i < 2; i += 1) {
        const answer = await orthanc.upload(makeInstance({ ...series, SOPInstanceUID: newUid(), InstanceNumber: String(i + 1) }));
        made[key].id = answer.ParentStudy;
        made[key].name = `${patientId} - Remove^${patientId} - Study ${key}`;
        made[key].instances.push(answer.ID);
      }
    }
  }
  return made;
}

before(async () => {
  orthanc = await (await Orthanc.create(path.join(ROOT, '.test-work', 'davfs-writes'), {
    plugin: PLUGIN,
    options: { WebDavShare: { DeleteAllowed: true, ImportedLingerSeconds: 1, UploadFolderIdleSeconds: 2 } },
  })).start();
  dav = new WebDav(orthanc.url);
  tmp = mkdtempSync(path.join(os.tmpdir(), 'webdav-davfs-writes-'));
  chmodSync(tmp, 0o755); // the davfs2 daemon (user davfs2) must reach its cache inside
  // Before mounting: davfs2 keeps a folder's listing for dir_refresh (60 s).
  studies = await loadStudies();
  mounts.locks = await mountDavfs(`${orthanc.url}/webdav/`, tmp, { name: 'mnt-locks' });
  mounts.nolocks = await mountDavfs(`${orthanc.url}/webdav/`, tmp, { name: 'mnt-nolocks', settings: ['use_locks 0'] });
});

after(async () => {
  // In parallel: umount.davfs waits about 3 s for its daemon to end.
  const results = await Promise.allSettled(Object.values(mounts).map((mount) => mount.unmount()));
  const failures = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
  await orthanc?.stop();
  // Never remove the scratch folder while something may still be mounted inside it.
  if (tmp && failures.length === 0) rmSync(tmp, { recursive: true, force: true });
  if (failures.length) throw failures[0];
});

/** A CD as burnt by a PACS: DICOMDIR, files without extension, a viewer, autorun.inf, macOS junk. */
function makeCd(folder, count) {
  const series = path.join(folder, 'DICOM', 'ST000', 'SE000');
  mkdirSync(series, { recursive: true });
  const study = { PatientID: `CD${path.basename(folder)}`, StudyInstanceUID: newUid(), SeriesInstanceUID: newUid() };
  const uids = [];
  for (let i = 0; i < count; i += 1) {
    const tags = { ...study, SOPInstanceUID: newUid(), InstanceNumber: String(i + 1) };
    uids.push(tags.SOPInstanceUID);
    writeFileSync(path.join(series, `IM${String(i).padStart(5, '0')}`), makeInstance(tags));
  }
  const dicomdir = makeInstance({ PatientID: 'DICOMDIR' }); // a DICOM file, but the CD's index
  writeFileSync(path.join(folder, 'DICOMDIR'), dicomdir);
  const viewer = Buffer.alloc(64 * 1024);
  for (let i = 0; i < viewer.length; i += 1) viewer[i] = (i * 131 + 7) & 0xff;
  viewer.write('MZ', 0);
  writeFileSync(path.join(folder, 'viewer.exe'), viewer);
  writeFileSync(path.join(folder, 'autorun.inf'), '[autorun]\r\nopen=viewer.exe\r\nicon=viewer.exe,0\r\n');
  writeFileSync(path.join(folder, '._junk'), 'macOS resource fork');
  writeFileSync(path.join(folder, '.DS_Store'), Buffer.from([0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31]));
  return uids;
}

for (const [key, label] of [['locks', 'davfs2 defaults (use_locks 1)'], ['nolocks', 'use_locks 0']]) {
  test(`cp -r of a CD into uploads/ through davfs2, ${label}: every instance arrives, uploads/ empties, no report for the junk`, async () => {
    const source = path.join(tmp, `cd-${key}`);
    const uids = makeCd(source, 8);
    const before_ = await status();
    const known = await sopUids();
    succeeded(await run('cp', ['-r', source, path.join(mounts[key].point, 'uploads')], { timeout: 30000 }), 'cp -r');

    await until('every instance of the CD in Orthanc', async () => { const s = await sopUids(); return uids.every((u) => s.has(u)); });
    // Exactly the CD's instances were added: not the DICOMDIR, nothing twice, nothing else.
    assert.deepEqual([...await sopUids()].sort(), [...known, ...uids].sort());
    await until('uploads/ to list no file and Pending to be 0', async () => (await status()).Uploads.Pending === 0 && (await uploadsTree()).files.length === 0);
    const after_ = await status();
    assert.equal(after_.Uploads.Imported - before_.Uploads.Imported, uids.length, 'Imported counts the CD\'s instances');
    assert.equal(after_.Uploads.Failed, before_.Uploads.Failed, 'no failure report (Failed unchanged)');
    assert.equal(after_.Uploads.Skipped - before_.Uploads.Skipped, 3, 'DICOMDIR, viewer.exe and autorun.inf skipped');
    assert.equal(after_.Uploads.JunkDropped - before_.Uploads.JunkDropped, 2, '._junk and .DS_Store dropped');
    // The emptied folders go after UploadFolderIdleSeconds (2 s): uploads/ is empty again.
    await until('the CD\'s folders to leave uploads/', async () => { const t = await uploadsTree(); return t.files.length === 0 && t.folders.length === 0; });
    // davfs2 is in no error state: it still lists the share's root.
    const ls = succeeded(await run('ls', ['-a', mounts[key].point]), 'ls of the mount');
    assert.match(ls.stdout, /^by-studies$/m);
    assert.ok(orthanc.alive, 'Orthanc is alive');
  });
}

test('a truncated .dcm copied through davfs2 gets a report that the mount shows; Orthanc stays up', async () => {
  const point = mounts.locks.point;
  const whole = makeInstance({ PatientID: 'TRUNCATED' });
  const source = path.join(tmp, 'truncated.dcm');
  writeFileSync(source, whole.subarray(0, whole.length - 40));
  const before_ = await status();
  const count = (await orthanc.rest('GET', '/statistics')).CountInstances;
  succeeded(await run('cp', [source, path.join(point, 'uploads', 'truncated.dcm')]), 'cp of truncated.dcm');

  const report = path.join(point, 'uploads', 'truncated.dcm.error.txt');
  // davfs2 re-reads a folder when it is opened (file_refresh, 1 s): ls, then cat.
  const text = await until('truncated.dcm.error.txt in the mount', async () => {
    await run('ls', [path.join(point, 'uploads')]);
    if (!existsSync(report)) return null;
    const cat = await run('cat', [report]);
    return cat.status === 0 && cat.stdout.length > 0 ? cat.stdout : null;
  });
  assert.match(text, /uploads\/truncated\.dcm was not imported/);
  assert.match(text, /runs past the end|cut off/);
  const after_ = await status();
  assert.equal(after_.Uploads.Failed - before_.Uploads.Failed, 1);
  assert.equal((await orthanc.rest('GET', '/statistics')).CountInstances, count, 'nothing was imported');
  assert.ok(orthanc.alive, 'Orthanc is alive');
  assert.equal((await fetch(`${orthanc.url}/system`)).status, 200);
  // The user deletes the report through the mount.
  succeeded(await run('rm', [report]), 'rm of the report');
  await until('the report to leave the share', async () => !(await uploadsTree()).files.includes('truncated.dcm.error.txt'));
});

test('rm -r of a by-studies folder through davfs2 deletes exactly that study', async () => {
  const point = mounts.locks.point;
  const all = async () => new Set(await orthanc.rest('GET', '/instances'));
  const before_ = await all();
  const deletedBefore = (await status()).DeletedThroughShare;
  for (const s of Object.values(studies)) for (const id of s.instances) assert.ok(before_.has(id), `${id} is there before`);
  const folder = path.join(point, 'by-studies', studies.remove.name);
  assert.ok(existsSync(folder), `the mount shows by-studies/${studies.remove.name}`);

  succeeded(await run('rm', ['-r', folder]), 'rm -r');

  assert.equal((await fetch(`${orthanc.url}/studies/${studies.remove.id}`)).status, 404, 'the study is gone');
  const removed = new Set(studies.remove.instances);
  assert.deepEqual([...await all()].sort(), [...before_].filter((id) => !removed.has(id)).sort(), 'exactly its instances are gone');
  for (const key of ['keep', 'other']) {
    const study = await orthanc.rest('GET', `/studies/${studies[key].id}`);
    assert.deepEqual(study.ID, studies[key].id, `study ${key} is still there`);
  }
  const patient = await orthanc.rest('GET', `/studies/${studies.keep.id}/patient`);
  assert.equal(patient.MainDicomTags.PatientID, 'RMA', 'the patient of the removed study stays, with its other study');
  const listing = await dav.propfind(['by-studies']);
  assert.ok(!listing.entries.some((e) => e.name === studies.remove.name), 'by-studies no longer lists it over HTTP');
  assert.ok(listing.entries.some((e) => e.name === studies.keep.name), 'by-studies still lists the other study of the patient');
  assert.ok((await status()).DeletedThroughShare > deletedBefore, 'DeletedThroughShare counts the deletions');
});
