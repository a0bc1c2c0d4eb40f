// Deletion through the share: what DeleteAllowed permits, what is refused whatever the flags,
// and that exactly the named resource goes (checked in Orthanc's REST API, not in the share).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Orthanc } from '../lib/orthanc.js';
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

before(async () => {
  allowed = await (await Orthanc.create(path.join(ROOT, '.test-work', 'delete-allowed'), {
    // Two module instances: what is deleted through one must be gone from the other's answers at once.
    plugin: PLUGIN, options: { WebDavShare: { DeleteAllowed: true, ModuleInstances: 2 } },
  })).start();
  denied = await (await Orthanc.create(path.join(ROOT, '.test-work', 'delete-denied'), { plugin: PLUGIN })).start();
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
  }
  assert.deepEqual(await counts(denied), before_);
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
