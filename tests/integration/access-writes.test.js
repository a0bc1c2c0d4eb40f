// Access rules hold for every delete and upload, tried as an attacker with two
// departments' users on a real Orthanc 1.10.1: a patient folder deletes only what its user
// sees; an upload never joins a hidden study or patient; a user whose name holds ":" is that
// user; the status route shows others' rules only to unrestricted users; an identity never
// outlives its request (a request with a plugin-issued token, which skips every filter, on the
// thread of the one before); names that are not UTF-8 are refused. Deletes and the ":" name are
// tried on the share's own listener as well.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Orthanc, basicAuthorization, freePort } from '../lib/orthanc.js';
import { WebDav } from '../lib/webdav.js';
import { makeInstance, newUid } from '../lib/dicom.js';
import { PLUGIN, ROOT } from '../../scripts/build.js';
import { until } from '../lib/until.js';

const PASSWORDS = { admin: 'admin-pw', cardio: 'cardio-pw', neuro: 'neuro-pw', 'neuro:ops': 'ops-pw', research: 'research-pw' };
const RULES = {
  Users: {
    admin: 'Unrestricted',
    cardio: { See: [{ InstitutionName: 'Cardio*' }], May: ['read', 'upload', 'delete'] },
    neuro: { See: [{ InstitutionName: 'Neuro*' }], May: ['read', 'upload', 'delete'] },
    'neuro:ops': { See: [{ InstitutionName: 'Oncology' }], May: ['read'] },
    research: { See: [{ InstitutionName: 'Research' }], May: ['read'], StatusRoute: true },
  },
};

let orthanc;
let listenerUrl; // the share's own listener: the same rules hold there
const studies = {}; // key -> { uid, id, patientId }
const dav = (user, door = orthanc.url) => new WebDav(door, '/webdav', { Authorization: basicAuthorization(user, PASSWORDS[user]) });

async function addStudy(key, tags) {
  const uid = newUid();
  const answer = await orthanc.upload(makeInstance({ ...tags, StudyInstanceUID: uid, SeriesInstanceUID: newUid(), SOPInstanceUID: newUid() }));
  studies[key] = { uid, id: answer.ParentStudy, patient: answer.ParentPatient, ...tags };
}

/** The token plugin of tests/token-plugin, built with plain CMake. */
function buildTokenPlugin() {
  const build = path.join(ROOT, '.test-work', 'token-plugin-build');
  const quiet = { stdio: ['ignore', 'ignore', 'inherit'] };
  execFileSync('cmake', ['-S', path.join(ROOT, 'tests', 'token-plugin'), '-B', build, '-DCMAKE_BUILD_TYPE=Release'], quiet);
  execFileSync('cmake', ['--build', build], quiet);
  return path.join(build, 'libOrthancTestToken.so');
}

before(async () => {
  const listenerPort = await freePort();
  listenerUrl = `http://127.0.0.1:${listenerPort}`;
  orthanc = await (await Orthanc.create(path.join(ROOT, '.test-work', 'access-writes'), {
    plugin: PLUGIN,
    restUser: 'admin',
    options: {
      AuthenticationEnabled: true,
      RegisteredUsers: PASSWORDS,
      Plugins: [PLUGIN, buildTokenPlugin()],
      // One HTTP thread and no keep-alive: every request runs on the thread of the one before.
      HttpThreadsCount: 1,
      KeepAlive: false,
      WebDavShare: { DeleteAllowed: true, AccessRules: RULES, ImportedLingerSeconds: 1, Listener: { Port: listenerPort } },
    },
  })).start();
  // Patient P1 is shared by the two departments; P3 is Oncology's alone.
  await addStudy('echo', { PatientID: 'P1', PatientName: 'Shared^Ann', InstitutionName: 'Cardio East', StudyDescription: 'Echo' });
  await addStudy('mri', { PatientID: 'P1', PatientName: 'Shared^Ann', InstitutionName: 'Neuro West', StudyDescription: 'MRI' });
  await addStudy('pet', { PatientID: 'P3', PatientName: 'Hidden^Rita', InstitutionName: 'Oncology', StudyDescription: 'PET secret' });
});

after(async () => {
  await orthanc?.stop();
});

const studyExists = async (key) => (await orthanc.rest('GET', '/studies')).includes(studies[key].id);

/** PUTs `file` into the user's uploads/ and waits until it is imported or reported; returns the report or null. */
async function uploadAs(user, name, file) {
  const share = dav(user);
  assert.equal((await share.request('PUT', ['uploads', name], { body: file })).status, 201);
  return until(`${name} to be imported or reported`, async () => {
    const { files } = await share.uploadsTree();
    if (files.includes(`${name}.error.txt`)) return (await share.get(['uploads', `${name}.error.txt`])).body.toString();
    return files.includes(name) ? null : 'imported';
  });
}

const hiddenNames = ['Hidden^Rita', 'PET secret', 'MRI', 'Neuro West'];

test('an upload joining a patient whose studies the uploader cannot see is refused, naming nothing hidden', async () => {
  const before_ = await orthanc.rest('GET', '/statistics');
  const report = await uploadAs('cardio', 'join-patient.dcm', makeInstance({ PatientID: 'P3', PatientName: 'Anything', InstitutionName: 'Cardio East', SOPInstanceUID: newUid() }));
  assert.match(report, /PatientID is that of a patient in Orthanc of whom you may see no study/);
  for (const secret of [...hiddenNames, studies.pet.uid]) assert.ok(!report.includes(secret), `the report names ${secret}`);
  assert.equal((await orthanc.rest('GET', '/statistics')).CountInstances, before_.CountInstances, 'nothing was imported');
  const { entries } = await dav('cardio').propfind(['by-patients']);
  assert.deepEqual(entries.map((e) => e.name), ['P1 - Shared^Ann'], 'cardio still sees no P3 folder');
});

test('an upload into a study the uploader cannot see is refused, even for a patient they share', async () => {
  const before_ = await orthanc.rest('GET', `/studies/${studies.mri.id}/instances`);
  const report = await uploadAs('cardio', 'join-study.dcm', makeInstance({ PatientID: 'P1', StudyInstanceUID: studies.mri.uid, InstitutionName: 'Cardio East', SOPInstanceUID: newUid() }));
  assert.match(report, /StudyInstanceUID is that of a study in Orthanc that you may not see/);
  for (const secret of hiddenNames) assert.ok(!report.includes(secret), `the report names ${secret}`);
  assert.equal((await orthanc.rest('GET', `/studies/${studies.mri.id}/instances`)).length, before_.length, 'the hidden study is unchanged');
});

test('a new study of a patient the uploader shares with another department is imported', async () => {
  const uid = newUid();
  assert.equal(await uploadAs('cardio', 'new-study.dcm', makeInstance({ PatientID: 'P1', StudyInstanceUID: uid, InstitutionName: 'Cardio West', StudyDescription: 'Stress test', SOPInstanceUID: newUid() })), 'imported');
  await until('cardio to see it', async () => (await dav('cardio').propfind(['by-uids'])).entries.some((e) => e.name === uid));
  assert.equal((await dav('neuro').propfind(['by-uids'])).entries.some((e) => e.name === uid), false, 'neuro does not');
});

test('deleting a patient folder deletes only the studies its user sees; the patient stays with the others', async () => {
  const share = dav('cardio');
  const patient = (await share.propfind(['by-patients'])).entries.find((e) => e.name.startsWith('P1 - '));
  assert.ok(patient);
  assert.equal((await share.request('DELETE', ['by-patients', patient.name])).status, 204);
  assert.equal(await studyExists('echo'), false, 'the visible study is gone');
  assert.equal(await studyExists('mri'), true, 'the study cardio cannot see is still there');
  assert.ok((await orthanc.rest('GET', '/patients')).includes(studies.mri.patient), 'and so is the patient');
  assert.deepEqual((await dav('neuro').propfind(['by-studies'])).entries.map((e) => e.name), ['P1 - Shared^Ann - MRI']);
});

test('on the listener, a delete reaches only what its user sees and may delete: hidden studies are 404, read-only users 403', async () => {
  await addStudy('cardio7', { PatientID: 'P7', PatientName: 'Both^Bob', InstitutionName: 'Cardio East', StudyDescription: 'Holter' });
  await addStudy('neuro7', { PatientID: 'P7', PatientName: 'Both^Bob', InstitutionName: 'Neuro West', StudyDescription: 'EEG' });
  const cardio = dav('cardio', listenerUrl);
  const before_ = (await orthanc.rest('GET', '/studies')).length;
  // another department's study, by its UID and by the name its own users see: as if it did not exist
  assert.equal((await cardio.request('DELETE', ['by-uids', studies.neuro7.uid], { folder: true })).status, 404);
  assert.equal((await cardio.request('DELETE', ['by-studies', 'P7 - Both^Bob - EEG'], { folder: true })).status, 404);
  assert.equal((await cardio.request('DELETE', ['by-uids', studies.pet.uid, 'study.json'])).status, 404);
  // a user who sees the study but may only read
  const ops = await dav('neuro:ops', listenerUrl).request('DELETE', ['by-uids', studies.pet.uid], { folder: true });
  assert.equal(ops.status, 403);
  assert.match(await ops.text(), /may not delete/);
  assert.equal((await orthanc.rest('GET', '/studies')).length, before_, 'nothing deleted by the refusals');
  // the shared patient's folder deletes what neuro sees of it, through the listener
  const neuro = dav('neuro', listenerUrl);
  assert.equal((await neuro.request('DELETE', ['by-patients', 'P7 - Both^Bob'], { folder: true })).status, 204);
  assert.equal(await studyExists('neuro7'), false);
  assert.equal(await studyExists('cardio7'), true, 'the other department\'s study of that patient stays');
  assert.equal(await studyExists('pet'), true);
  const left = (await cardio.propfind(['by-patients', 'P7 - Both^Bob'])).entries.map((e) => e.name);
  assert.equal(left.length, 1, left.join(', '));
  assert.match(left[0], /Holter$/);
});

test('a user whose name holds ":" has the rules of that name, not of the name before the colon', async () => {
  const names = (await dav('neuro:ops').propfind(['by-studies'])).entries.map((e) => e.name);
  assert.deepEqual(names, ['P3 - Hidden^Rita - PET secret'], 'neuro:ops sees Oncology, not what neuro sees');
  assert.equal((await dav('neuro:ops').request('PUT', ['uploads', 'x.dcm'], { body: 'x' })).status, 403, 'and may not upload as neuro may');
  // the listener logs the name in whole too (it once split at the first colon: 401)
  const onListener = await dav('neuro:ops', listenerUrl).propfind(['by-studies']);
  assert.equal(onListener.status, 207);
  assert.deepEqual(onListener.entries.map((e) => e.name), ['P3 - Hidden^Rita - PET secret']);
});

test('the status route shows other users\' rules only to unrestricted users', async () => {
  const statusAs = async (user) => {
    const answer = await fetch(`${orthanc.url}/webdav-share/status`, { headers: { Authorization: basicAuthorization(user, PASSWORDS[user]) } });
    assert.equal(answer.status, 200, user);
    return (await answer.json()).AccessRules.Rules.map((r) => r.Entry);
  };
  assert.deepEqual(await statusAs('research'), ['user research']);
  const all = await statusAs('admin');
  for (const entry of ['user cardio', 'user neuro', 'user neuro:ops', 'user research']) assert.ok(all.includes(entry), entry);
});

test('an identity never outlives its request: a token request after a PROPFIND Depth 0, on the same thread, gets none', async () => {
  const token = await orthanc.rest('GET', '/test-token');
  assert.match(token, /^Bearer [0-9a-f-]+$/);
  const withToken = new WebDav(orthanc.url, '/webdav', { Authorization: token });
  for (let round = 0; round < 5; round += 1) {
    // neuro's PROPFIND Depth 0 makes one callback, IsExistingFolder, and it must end the request.
    assert.equal((await dav('neuro').propfind(['by-studies'], 0)).status, 207);
    const { status, entries } = await withToken.propfind(['by-studies'], 1);
    assert.equal(status, 207);
    assert.deepEqual(entries.map((e) => e.name), [], 'the token request lists nothing of neuro\'s');
    // A GET of a study.json neuro just checked with Depth 0 is not served to the token either.
    const json = ['by-uids', studies.mri.uid, 'study.json'];
    assert.equal((await dav('neuro').propfind(['by-uids', studies.mri.uid], 0)).status, 207);
    assert.equal((await withToken.get(json)).status, 404);
  }
  // The token does reach the share (its requests skip the filter): the root answers.
  assert.equal((await withToken.propfind([], 0)).status, 207);
});

test('names that are not UTF-8 are refused for PUT and MKCOL; the uploads/ listing stays valid', async () => {
  const raw = (method, tail, body) => fetch(`${orthanc.url}/webdav/uploads/${tail}`, { method, body, headers: { Authorization: basicAuthorization('cardio', PASSWORDS.cardio) } });
  for (const name of ['x-%FF.bin', 'y-%ED%A0%80.dcm', 'z-%C0%AF.txt']) {
    assert.equal((await raw('PUT', name, 'data')).status, 403, `PUT ${name}`);
    assert.equal((await raw('MKCOL', `${name}-folder`)).status, 403, `MKCOL ${name}`);
  }
  const listing = await dav('cardio').request('PROPFIND', ['uploads'], { depth: 1, folder: true });
  assert.equal(listing.status, 207);
  const xml = await listing.text();
  assert.ok(!xml.includes('\uFFFD'), 'no replacement character in the listing');
  assert.equal(Buffer.from(xml, 'utf8').toString('utf8'), xml);
});
