// Deletion through the share: what DeleteAllowed permits, what is refused whatever the flags,
// and that exactly the named resource goes (checked in Orthanc's REST API, not in the share),
// on Orthanc's port and on the plugin's own listener (RFC 4918 statuses there: 404 for nothing).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Orthanc, freePort } from '../lib/orthanc.js';
import { mountDavfs, run, succeeded } from '../lib/davfs.js';
import { WebDav } from '../lib/webdav.js';
import { makeInstance, newUid } from '../lib/dicom.js';
import { PLUGIN, ROOT } from '../../scripts/build.js';

/** An archive of `patients` x 2 studies (months 01 and 02 of 2021) x 2 series x 2 instances. */
async function load(orthanc, patients, prefix = 'DEL') {
  const made = [];
  for (let p = 0; p < patients; p += 1) {
    const patient = { PatientID: `${prefix}${p}`, PatientName: `Delete^Me${p}` };
    for (let s = 0; s < 2; s += 1) {
      const study = { ...patient, StudyInstanceUID: newUid(), StudyDate: `20210${s + 1}1${p}`, StudyDescription: `Study${s}` };
      for (let e = 0; e < 2; e += 1) {
        const series = { ...study, SeriesInstanceUID: newUid(), Modality: 'CT', SeriesDescription: `Series${e}` };
        for (let i = 0; i < 2; i += 1) {
          const tags = { ...series, SOPInstanceUID: newUid() };
          const answer = await orthanc.upload(makeInstance(tags));
          made.push({ tags, ...answer });
        }
      }
    }
  }
  return made;
}

async function counts(orthanc) {
  const s = await orthanc.rest('GET', '/statistics');
  return { patients: s.CountPatients, studies: s.CountStudies, series: s.CountSeries, instances: s.CountInstances };
}

async function exists(orthanc, uri) {
  return (await fetch(`${orthanc.url}${uri}`)).status === 200;
}

let allowed;
let denied;
let allowedListener; // WebDav clients of the plugin's own listener
let deniedListener;

before(async () => {
  const allowedPort = await freePort();
  allowed = await (await Orthanc.create(path.join(ROOT, '.test-work', 'delete-allowed'), {
    // Two module instances: what is deleted through one must be gone from the other's answers at once.
    plugin: PLUGIN, options: { WebDavShare: { DeleteAllowed: true, ModuleInstances: 2, Listener: { Port: allowedPort } } },
  })).start();
  const deniedPort = await freePort();
  denied = await (await Orthanc.create(path.join(ROOT, '.test-work', 'delete-denied'), {
    plugin: PLUGIN, options: { WebDavShare: { Listener: { Port: deniedPort } } },
  })).start();
  allowedListener = new WebDav(`http://127.0.0.1:${allowedPort}`);
  deniedListener = new WebDav(`http://127.0.0.1:${deniedPort}`);
});

after(async () => {
  await allowed?.stop();
  await denied?.stop();
});

test('DeleteAllowed false (the default): every DELETE in the DICOM views is 403 and nothing changes', async () => {
  const made = await load(denied, 1);
  const dav = new WebDav(denied.url);
  const before_ = await counts(denied);
  const t = made[0].tags;
  const targets = [
    ['by-patients', 'DEL0 - Delete^Me0'],
    ['by-studies', 'DEL0 - Delete^Me0 - Study0'],
    ['by-studies', 'DEL0 - Delete^Me0 - Study0', 'CT - Series0'],
    ['by-studies', 'DEL0 - Delete^Me0 - Study0', 'CT - Series0', `${made[0].ID}.dcm`],
    ['by-dates', '2021'],
    ['by-dates', '2021', '2021-01'],
    ['by-uids', t.StudyInstanceUID],
    ['by-uids', t.StudyInstanceUID, 'study.json'],
    ['by-uids', t.StudyInstanceUID, t.SeriesInstanceUID, `${t.SOPInstanceUID}.dcm`],
    ['by-uids', 'missing'],
  ];
  for (const components of targets) {
    const answer = await dav.request('DELETE', components);
    assert.equal(answer.status, 403, components.join('/'));
    const onListener = await deniedListener.request('DELETE', components);
    assert.equal(onListener.status, 403, `listener: ${components.join('/')}`);
    assert.match(await onListener.text(), /DeleteAllowed/, 'the listener says why');
  }
  assert.deepEqual(await counts(denied), before_);
  assert.doesNotMatch((await deniedListener.request('OPTIONS', targets[1])).headers.get('allow'), /DELETE/);
});

test('the root, each view root and uploads are refused whatever the flags; the archive is unchanged', async () => {
  await load(allowed, 1, 'ROOTS');
  const dav = new WebDav(allowed.url);
  const before_ = await counts(allowed);
  for (const components of [[], ['by-patients'], ['by-studies'], ['by-dates'], ['by-uids'], ['uploads']]) {
    const answer = await dav.request('DELETE', components, { folder: true });
    assert.equal(answer.status, 403, `/${components.join('/')}`);
    const bare = await dav.request('DELETE', components);
    assert.equal(bare.status, 403, `/${components.join('/')} without a trailing slash`);
  }
  assert.deepEqual(await counts(allowed), before_);
  assert.ok(before_.instances > 0);
});

test('each level is deleted with exactly what it holds, in every view', async () => {
  const made = await load(allowed, 3);
  const dav = new WebDav(allowed.url);
  // an instance file in by-uids
  const one = made.find((m) => m.tags.PatientID === 'DEL1');
  let before_ = await counts(allowed);
  assert.equal((await dav.request('DELETE', ['by-uids', one.tags.StudyInstanceUID, one.tags.SeriesInstanceUID, `${one.tags.SOPInstanceUID}.dcm`])).status, 204);
  assert.equal(await exists(allowed, `/instances/${one.ID}`), false);
  assert.equal((await counts(allowed)).instances, before_.instances - 1);
  // a series folder in by-patients
  const series = made.find((m) => m.tags.PatientID === 'DEL2' && m.tags.StudyDescription === 'Study1' && m.tags.SeriesDescription === 'Series1');
  before_ = await counts(allowed);
  assert.equal((await dav.request('DELETE', ['by-patients', 'DEL2 - Delete^Me2', '20210212 - Study1', 'CT - Series1'])).status, 204);
  assert.equal(await exists(allowed, `/series/${series.ParentSeries}`), false);
  assert.deepEqual(await counts(allowed), { ...before_, series: before_.series - 1, instances: before_.instances - 2 });
  // a study folder in by-studies
  const study = made.find((m) => m.tags.PatientID === 'DEL2' && m.tags.StudyDescription === 'Study0');
  before_ = await counts(allowed);
  assert.equal((await dav.request('DELETE', ['by-studies', 'DEL2 - Delete^Me2 - Study0'])).status, 204);
  assert.equal(await exists(allowed, `/studies/${study.ParentStudy}`), false);
  assert.equal((await counts(allowed)).studies, before_.studies - 1);
  // the listing is right at once
  const listing = await dav.propfind(['by-studies']);
  assert.ok(!listing.entries.some((e) => e.name === 'DEL2 - Delete^Me2 - Study0'));
  // study.json deletes with no effect; a missing folder answers 204 (recursive deletes work)
  const kept = made.find((m) => m.tags.PatientID === 'DEL1' && m.tags.StudyDescription === 'Study1');
  before_ = await counts(allowed);
  assert.equal((await dav.request('DELETE', ['by-uids', kept.tags.StudyInstanceUID, 'study.json'])).status, 204);
  assert.equal((await dav.request('DELETE', ['by-studies', 'No Such - Study'])).status, 204);
  assert.deepEqual(await counts(allowed), before_);
  // a patient folder
  assert.equal((await dav.request('DELETE', ['by-patients', 'DEL0 - Delete^Me0'])).status, 204);
  assert.equal(await exists(allowed, `/patients/${made[0].ParentPatient}`), false);
  assert.ok(await exists(allowed, `/patients/${one.ParentPatient}`), 'other patients stay');
});

test('a by-dates month deletes the studies of that month only', async () => {
  const made = await load(allowed, 2, 'MONTH');
  const january = [...new Set(made.filter((m) => m.tags.StudyDate.startsWith('202101')).map((m) => m.ParentStudy))];
  const february = [...new Set(made.filter((m) => m.tags.StudyDate.startsWith('202102')).map((m) => m.ParentStudy))];
  const dav = new WebDav(allowed.url);
  assert.equal((await dav.request('DELETE', ['by-dates', '2021', '2021-01'])).status, 204);
  for (const id of january) assert.equal(await exists(allowed, `/studies/${id}`), false);
  for (const id of february) assert.ok(await exists(allowed, `/studies/${id}`));
  assert.equal((await dav.propfind(['by-dates', '2021', '2021-01'])).status, 404);
});

test('real clients: rclone purge of a study folder, cadaver rm of a file', async () => {
  const made = await load(allowed, 2, 'CLIENT');
  const study = made.find((m) => m.tags.PatientID === 'CLIENT1' && m.tags.StudyDescription === 'Study1');
  const before_ = await counts(allowed);
  const env = { ...process.env, RCLONE_CONFIG: '/dev/null', RCLONE_CONFIG_O_TYPE: 'webdav', RCLONE_CONFIG_O_URL: `${allowed.url}/webdav/`, RCLONE_CONFIG_O_VENDOR: 'other' };
  execFileSync('rclone', ['purge', 'o:by-studies/CLIENT1 - Delete^Me1 - Study1'], { env, timeout: 30000 });
  assert.equal(await exists(allowed, `/studies/${study.ParentStudy}`), false);
  const after_ = await counts(allowed);
  assert.equal(after_.studies, before_.studies - 1);
  assert.equal(after_.instances, before_.instances - 4);
  const file = made.find((m) => m.tags.PatientID === 'CLIENT0' && m.tags.StudyDescription === 'Study0');
  const script = `cd by-uids/${file.tags.StudyInstanceUID}/${file.tags.SeriesInstanceUID}\nrm ${file.tags.SOPInstanceUID}.dcm\nquit\n`;
  execFileSync('cadaver', ['-t', `${allowed.url}/webdav/`], { input: script, timeout: 30000, env: { ...process.env, HOME: path.join(ROOT, '.test-work') } });
  assert.equal(await exists(allowed, `/instances/${file.ID}`), false);
  assert.equal((await counts(allowed)).instances, after_.instances - 1);
});

test('the listener deletes in the views as Orthanc\'s port does, with RFC 4918 statuses, and both instances forget at once', async () => {
  const made = await load(allowed, 2, 'LSN');
  const study = made.find((m) => m.tags.PatientID === 'LSN1' && m.tags.StudyDescription === 'Study0');
  const folder = ['by-studies', 'LSN1 - Delete^Me1 - Study0'];
  let before_ = await counts(allowed);
  assert.match((await allowedListener.request('OPTIONS', folder, { folder: true })).headers.get('allow'), /DELETE/);
  for (const root of [[], ['by-studies'], ['by-uids'], ['by-dates']]) {
    assert.equal((await allowedListener.request('DELETE', root, { folder: true })).status, 403, `/${root.join('/')}`);
  }
  assert.equal((await allowedListener.request('DELETE', ['by-studies', 'LSN9 - Nobody - Study0'])).status, 404);
  assert.equal((await allowedListener.request('DELETE', folder, { folder: true, depth: 1 })).status, 400, 'a folder goes whole or not at all');
  assert.deepEqual(await counts(allowed), before_, 'nothing deleted by the refusals');

  assert.equal((await allowedListener.request('DELETE', folder, { folder: true })).status, 204);
  assert.equal(await exists(allowed, `/studies/${study.ParentStudy}`), false);
  assert.deepEqual(await counts(allowed), { ...before_, studies: before_.studies - 1, series: before_.series - 2, instances: before_.instances - 4 });
  // Reads on the listener go to either instance: every answer, right away, lacks the study.
  for (let i = 0; i < 6; i += 1) {
    const listing = await allowedListener.propfind(['by-studies']);
    assert.equal(listing.status, 207);
    assert.ok(!listing.entries.some((e) => e.name === folder[1]), `listener answer ${i} still lists the study`);
    assert.ok(listing.entries.some((e) => e.name === 'LSN1 - Delete^Me1 - Study1'), 'the other study stays');
  }
  const core = await new WebDav(allowed.url).propfind(['by-studies']);
  assert.ok(!core.entries.some((e) => e.name === folder[1]), 'Orthanc\'s port lacks it too');
  assert.equal((await allowedListener.request('DELETE', folder, { folder: true })).status, 404, 'gone is gone');

  // an instance file in by-uids
  const one = made.find((m) => m.tags.PatientID === 'LSN0');
  before_ = await counts(allowed);
  assert.equal((await allowedListener.request('DELETE', ['by-uids', one.tags.StudyInstanceUID, one.tags.SeriesInstanceUID, `${one.tags.SOPInstanceUID}.dcm`])).status, 204);
  assert.equal(await exists(allowed, `/instances/${one.ID}`), false);
  assert.equal((await counts(allowed)).instances, before_.instances - 1);
});

test('a read-write davfs2 mount of the listener: rm -r of a study folder deletes the study, file by file then folder by folder', async () => {
  const made = await load(allowed, 1, 'RMR');
  const study = made.find((m) => m.tags.StudyDescription === 'Study1');
  const other = made.find((m) => m.tags.StudyDescription === 'Study0');
  const scratch = path.join(ROOT, '.test-work', 'delete-davfs');
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true, mode: 0o755 });
  const mount = await mountDavfs(`${allowedListener.base}/webdav/`, scratch);
  try {
    const folder = path.join(mount.point, 'by-studies', 'RMR0 - Delete^Me0 - Study1');
    succeeded(await run('ls', ['-R', folder]), 'ls -R');
    succeeded(await run('rm', ['-r', folder], { timeout: 60000 }), 'rm -r');
  } finally {
    await mount.unmount();
  }
  assert.equal(await exists(allowed, `/studies/${study.ParentStudy}`), false);
  assert.ok(await exists(allowed, `/studies/${other.ParentStudy}`), 'the patient\'s other study stays');
});
