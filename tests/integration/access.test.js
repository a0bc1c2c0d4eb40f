// Access rules against a real Orthanc 1.10.1 with authentication on: what each user
// sees in every view, what each may write, bypass attempts, identity across requests, and the
// REST API closed to users with rules.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { Orthanc, basicAuthorization, freePort } from '../lib/orthanc.js';
import { WebDav } from '../lib/webdav.js';
import { makeInstance, newUid } from '../lib/dicom.js';
import { run } from '../lib/davfs.js';
import { until } from '../lib/until.js';
import { PLUGIN, ROOT } from '../../scripts/build.js';

const PASSWORDS = { admin: 'admin-pw', cardio: 'cardio-pw', neuro: 'neuro-pw', research: 'research-pw', stranger: 'stranger-pw' };
const USERS = ['admin', 'cardio', 'neuro', 'research', 'stranger'];
const RULES = {
  Users: {
    admin: 'Unrestricted',
    cardio: { See: [{ InstitutionName: 'cardio*' }], May: ['read', 'upload'] },
    neuro: { See: [{ InstitutionName: 'Neuro*' }, { ReferringPhysicianName: 'Brain^*' }], May: ['read', 'upload', 'delete'] },
    research: { See: [{ StudyDescription: '*TRIAL-42*', PatientID: 'P?' }], May: ['read'], StatusRoute: true },
  },
};

// The archive: each study says who must see it. "Same study" twice for patient P1 gives the
// admin a " (1)" suffix that cardio, who sees one of them, must not get.
const STUDIES = [
  { key: 'echo', tags: { PatientID: 'P1', PatientName: 'Smith^Ann', InstitutionName: 'Cardio East', StudyDescription: 'Same study', StudyDate: '20200302' }, seenBy: ['admin', 'cardio'] },
  { key: 'mri', tags: { PatientID: 'P1', PatientName: 'Smith^Ann', InstitutionName: 'Neuro West', StudyDescription: 'MRI TRIAL-42', StudyDate: '20210405' }, seenBy: ['admin', 'neuro', 'research'] },
  { key: 'ct', tags: { PatientID: 'P2', PatientName: 'Doe^Bob', InstitutionName: 'Oncology', ReferringPhysicianName: 'Brain^Bob', StudyDescription: 'CT head', StudyDate: '20210407' }, seenBy: ['admin', 'neuro'] },
  { key: 'pet', tags: { PatientID: 'P3', PatientName: 'Roe^Rita', InstitutionName: 'Oncology', StudyDescription: 'PET secret', StudyDate: '20220101' }, seenBy: ['admin'] },
  { key: 'ecg', tags: { PatientID: 'P4', PatientName: 'Poe^Al', InstitutionName: 'CARDIOLOGY north', StudyDescription: 'ECG TRIAL-42', StudyDate: undefined }, seenBy: ['admin', 'cardio', 'research'] },
  { key: 'twin', tags: { PatientID: 'P1', PatientName: 'Smith^Ann', InstitutionName: 'Oncology', StudyDescription: 'Same study', StudyDate: '20200303' }, seenBy: ['admin'] },
  { key: 'trial-other', tags: { PatientID: 'Q10', PatientName: 'Long^Id', InstitutionName: 'Oncology', StudyDescription: 'TRIAL-42 but ID too long', StudyDate: '20230101' }, seenBy: ['admin'] },
];

let orthanc;
let listener; // the share's own listener (docs/listener.md): the rules hold there as on Orthanc's port
const instances = new Map(); // Orthanc instance id -> { study key, sopUid }
const studyIds = new Map(); // study key -> Orthanc study id
const hidden = new Map(); // user -> strings that must never appear in that user's answers

const dav = (user, password = PASSWORDS[user], door = orthanc.url) =>
  new WebDav(door, '/webdav', user ? { Authorization: basicAuthorization(user, password) } : {});

before(async () => {
  const listenerPort = await freePort();
  listener = `http://127.0.0.1:${listenerPort}`;
  orthanc = await (await Orthanc.create(path.join(ROOT, '.test-work', 'access'), {
    plugin: PLUGIN,
    restUser: 'admin',
    options: {
      AuthenticationEnabled: true,
      RegisteredUsers: PASSWORDS,
      // Two module instances: identity and hidden studies must hold whichever instance answers.
      WebDavShare: { DeleteAllowed: true, AccessRules: RULES, UploadFolderIdleSeconds: 60, ModuleInstances: 2,
        Listener: { Port: listenerPort } },
    },
  })).start();
  for (const study of STUDIES) {
    const studyTags = { ...study.tags, StudyInstanceUID: newUid() };
    study.uid = studyTags.StudyInstanceUID;
    for (let s = 0; s < 2; s += 1) {
      const seriesTags = { ...studyTags, SeriesInstanceUID: newUid(), Modality: 'CT', SeriesDescription: `Series ${s}` };
      for (let i = 0; i < 2; i += 1) {
        const sopUid = newUid();
        const answer = await orthanc.upload(makeInstance({ ...seriesTags, SOPInstanceUID: sopUid, InstanceNumber: String(i + 1) }));
        instances.set(answer.ID, { study: study.key, sopUid });
        studyIds.set(study.key, answer.ParentStudy);
      }
    }
  }
  for (const user of USERS) {
    const secrets = [];
    for (const study of STUDIES) {
      if (study.seenBy.includes(user)) continue;
      secrets.push(study.uid, studyIds.get(study.key));
      const shared = STUDIES.some((other) => other.seenBy.includes(user) && other.tags.StudyDescription === study.tags.StudyDescription);
      if (!shared) secrets.push(study.tags.StudyDescription);
      for (const [id, instance] of instances) if (instance.study === study.key) secrets.push(id, instance.sopUid);
    }
    hidden.set(user, secrets);
  }
});

after(async () => {
  await orthanc?.stop();
});

const expectedInstances = (user) => [...instances].filter(([, i]) => STUDIES.find((s) => s.key === i.study).seenBy.includes(user));

/** Everything a user reaches by PROPFIND: per view, the instances; every folder has a file below. */
async function userTree(user, door = orthanc.url) {
  const { files, folders } = await dav(user, PASSWORDS[user], door).walk();
  const byView = {};
  for (const view of ['by-patients', 'by-studies', 'by-dates', 'by-uids']) byView[view] = [];
  for (const file of files) {
    const view = file.components[0];
    if (!(view in byView) || !file.name.endsWith('.dcm')) continue;
    byView[view].push(file.name.slice(0, -4));
  }
  const paths = [...folders.map((f) => `${f.components.join('/')}/`), ...files.map((f) => f.components.join('/'))];
  return { files, folders, byView, paths };
}

function assertNoSecret(user, text, what) {
  for (const secret of hidden.get(user)) {
    assert.ok(!text.includes(secret), `${what}: the answer to ${user} names ${secret}, which ${user} may not see`);
  }
}

test('each user sees exactly their studies in all four views, and no empty year, month or patient, on both ports', async () => {
  for (const [user, door] of USERS.flatMap((u) => [[u, orthanc.url], [u, listener]])) {
    const tree = await userTree(user, door);
    const expected = expectedInstances(user);
    const ids = expected.map(([id]) => id).sort();
    const sopUids = expected.map(([, i]) => i.sopUid).sort();
    assert.deepEqual(tree.byView['by-patients'].sort(), ids, `${user}: by-patients`);
    assert.deepEqual(tree.byView['by-studies'].sort(), ids, `${user}: by-studies`);
    assert.deepEqual(tree.byView['by-dates'].sort(), ids, `${user}: by-dates`);
    assert.deepEqual(tree.byView['by-uids'].sort(), sopUids, `${user}: by-uids`);
    for (const folder of tree.folders) {
      const prefix = `${folder.components.join('/')}/`;
      if (folder.components[0] === 'uploads' || folder.components.length === 1) continue; // view roots may be empty
      assert.ok(tree.paths.some((p) => p.startsWith(prefix) && !p.endsWith('/')), `${user}: ${prefix} holds no file`);
    }
    assertNoSecret(user, tree.paths.join('\n'), 'the tree');
    const root = (await dav(user, PASSWORDS[user], door).propfind([], 1)).entries.map((e) => e.name).sort();
    const views = ['by-dates', 'by-patients', 'by-studies', 'by-uids'];
    assert.deepEqual(root, ['cardio', 'neuro', 'admin'].includes(user) ? [...views, 'uploads'] : views, `${user}: the root`);
  }
  // The admin's two "Same study" folders carry a suffix; cardio, who sees one, gets none.
  const adminStudies = (await dav('admin').propfind(['by-studies'], 1)).entries.map((e) => e.name);
  assert.ok(adminStudies.includes('P1 - Smith^Ann - Same study (1)'));
  const cardioStudies = (await dav('cardio').propfind(['by-studies'], 1)).entries.map((e) => e.name).sort();
  assert.deepEqual(cardioStudies, ['P1 - Smith^Ann - Same study', 'P4 - Poe^Al - ECG TRIAL-42']);
});

test('the listener asks for a login as Orthanc does, slows down wrong passwords, and hides studies by name', async () => {
  const anonymous = await fetch(`${listener}/webdav/`, { method: 'PROPFIND', headers: { Depth: '0' } });
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.headers.get('www-authenticate'), /^Basic /);
  const timings = [];
  for (let i = 0; i < 3; i++) {
    const started = Date.now();
    const wrong = await dav('cardio', 'not-the-password', listener).propfind([], 0);
    timings.push(Date.now() - started);
    assert.equal(wrong.status, 401);
  }
  assert.ok(timings[2] >= 700, `the third wrong password waits (200, 400, 800 ms by login.ts, whichever module instance answers), took ${timings.join(', ')} ms`);
  assert.equal((await dav('cardio', PASSWORDS.cardio, listener).propfind([], 0)).status, 207, 'the right password clears the wait');
  const pet = STUDIES.find((s) => s.key === 'pet');
  for (const user of ['cardio', 'neuro']) {
    const answer = await dav(user, PASSWORDS[user], listener).propfind(['by-uids', pet.uid], 0);
    assert.equal(answer.status, 404, `${user} cannot reach a hidden study by its UID`);
  }
  assert.equal((await dav('admin', PASSWORDS.admin, listener).propfind(['by-uids', pet.uid], 0)).status, 207);
});

test('on the listener, a user without the upload right gets 403 for MKCOL, MOVE and DELETE in uploads/; one with it writes its own tree', async () => {
  const research = dav('research', PASSWORDS.research, listener);
  const cardio = dav('cardio', PASSWORDS.cardio, listener);
  assert.equal((await research.request('MKCOL', ['uploads', 'mine'])).status, 403, 'research may read only');
  assert.equal((await cardio.request('MKCOL', ['uploads', 'mine'])).status, 201);
  assert.equal((await research.request('DELETE', ['uploads', 'mine'])).status, 403);
  assert.equal((await research.request('MOVE', ['uploads', 'mine'], { headers: { Destination: `${listener}/webdav/uploads/theirs` } })).status, 403);
  assert.equal((await dav('neuro', PASSWORDS.neuro, listener).propfind(['uploads', 'mine'], 0)).status, 404, "cardio's folder is not neuro's");
  assert.equal((await cardio.propfind(['uploads', 'mine'], 0)).status, 207, 'still there after the refusals');
  assert.equal((await cardio.request('DELETE', ['uploads', 'mine'])).status, 204);
});

test('rclone sees the same tree as PROPFIND for a restricted user', async () => {
  const obscured = await run('rclone', ['obscure', PASSWORDS.neuro]);
  assert.equal(obscured.status, 0, obscured.stderr);
  const result = await run('rclone', ['lsf', '-R', '--retries', '1', '--low-level-retries', '1', 'orthanc:'], {
    timeout: 30000,
    env: {
      ...process.env,
      RCLONE_CONFIG: '/dev/null',
      RCLONE_CONFIG_ORTHANC_TYPE: 'webdav',
      RCLONE_CONFIG_ORTHANC_URL: `${orthanc.url}/webdav/`,
      RCLONE_CONFIG_ORTHANC_VENDOR: 'other',
      RCLONE_CONFIG_ORTHANC_USER: 'neuro',
      RCLONE_CONFIG_ORTHANC_PASS: obscured.stdout.trim(),
    },
  });
  assert.equal(result.status, 0, result.stderr);
  const listed = result.stdout.split('\n').filter(Boolean).sort();
  const tree = await userTree('neuro');
  assert.deepEqual(listed, tree.paths.sort());
  assertNoSecret('neuro', result.stdout, 'rclone lsf');
});

test('a hidden study answers 404 by name in every view, its JSON and instances too; refusals are counted', async () => {
  const admin = await userTree('admin');
  const pet = STUDIES.find((s) => s.key === 'pet');
  const petPaths = admin.paths.filter((p) => p.includes(pet.uid) || p.includes('PET secret'));
  assert.ok(petPaths.length > 10, 'the admin reaches the PET study in every view');
  const before_ = await orthanc.rest('GET', '/webdav-share/status');
  for (const user of ['cardio', 'neuro', 'research', 'stranger']) {
    for (const p of petPaths) {
      const components = p.replace(/\/$/, '').split('/');
      const get = await dav(user).get(components);
      assert.equal(get.status, 404, `${user} GET ${p}`);
      const find = await dav(user).propfind(components, 0);
      assert.equal(find.status, 404, `${user} PROPFIND ${p}`);
    }
  }
  const after_ = await orthanc.rest('GET', '/webdav-share/status');
  const refused = (status, entry) => status.AccessRules.Rules.find((r) => r.Entry === entry).Refused;
  assert.ok(refused(after_, 'user cardio') > refused(before_, 'user cardio'), 'cardio\'s refusals are counted');
  assert.ok(refused(after_, 'OtherUsers') > refused(before_, 'OtherUsers'), 'the stranger counts under OtherUsers');
  assert.equal(after_.AccessRules.Valid, true);
  assert.match(JSON.stringify(after_.AccessRules), /InstitutionName=cardio\*/);
  assert.ok(!JSON.stringify(after_).includes('cardio-pw'), 'no password in the status');
});

test('writes follow each user\'s rights: upload, delete, and nothing else', async () => {
  // research may only read: every write is refused before a body is read
  assert.equal((await dav('research').request('PUT', ['uploads', 'r.dcm'], { body: makeInstance({}) })).status, 403);
  assert.equal((await dav('research').request('MKCOL', ['uploads', 'r'])).status, 403);
  // cardio may upload, not delete
  const cardioUid = newUid();
  assert.equal((await dav('cardio').request('MKCOL', ['uploads', 'cardio-folder'])).status, 201);
  assert.equal((await dav('cardio').request('PUT', ['uploads', 'c.dcm'], { body: makeInstance({ PatientID: 'UPC', SOPInstanceUID: cardioUid, InstitutionName: 'Cardio East' }) })).status, 201);
  const truncated = makeInstance({ PatientID: 'TRUNC' }).subarray(0, 300);
  assert.equal((await dav('cardio').request('PUT', ['uploads', 'broken.dcm'], { body: truncated })).status, 201);
  const echoFolder = (await dav('cardio').propfind(['by-studies'], 1)).entries.find((e) => e.name.includes('Same study')).name;
  assert.equal((await dav('cardio').request('DELETE', ['by-studies', echoFolder])).status, 403);
  assert.ok(await orthanc.rest('GET', `/studies/${studyIds.get('echo')}`), 'the echo study is still there');
  // the upload is imported; its report and folder stay in cardio's uploads/ only
  await until('cardio\'s upload imported', async () => (await orthanc.sopInstanceUids()).has(cardioUid));
  await until('cardio sees the report', async () => (await dav('cardio').uploadsTree()).files.includes('broken.dcm.error.txt'));
  assert.deepEqual((await dav('cardio').uploadsTree()).folders, ['cardio-folder']);
  for (const other of ['neuro', 'admin']) {
    const tree = await dav(other).uploadsTree();
    assert.deepEqual(tree, { files: [], folders: [] }, `${other} sees nothing of cardio's uploads/`);
    assert.equal((await dav(other).get(['uploads', 'broken.dcm.error.txt'])).status, 404);
    assert.equal((await dav(other).request('DELETE', ['uploads', 'broken.dcm.error.txt'])).status, 204, 'deleting what one does not have is a no-op');
  }
  assert.ok((await dav('cardio').uploadsTree()).files.includes('broken.dcm.error.txt'), 'the report survived the others\' DELETE');
  // neuro may delete what neuro sees; a hidden study's path deletes nothing
  const adminStudies = (await dav('admin').propfind(['by-studies'], 1)).entries.map((e) => e.name);
  const petFolder = adminStudies.find((n) => n.includes('PET secret'));
  assert.equal((await dav('neuro').request('DELETE', ['by-studies', petFolder])).status, 204);
  assert.ok(await orthanc.rest('GET', `/studies/${studyIds.get('pet')}`), 'the hidden PET study is still there');
  const ctFolder = (await dav('neuro').propfind(['by-studies'], 1)).entries.find((e) => e.name.includes('CT head')).name;
  assert.equal((await dav('neuro').request('DELETE', ['by-studies', ctFolder])).status, 204);
  await assert.rejects(orthanc.rest('GET', `/studies/${studyIds.get('ct')}`), /404/, 'neuro deleted the CT study');
  STUDIES.find((s) => s.key === 'ct').seenBy = [];
  for (const [id, i] of instances) if (i.study === 'ct') instances.delete(id);
  // the admin's cleanup of cardio's report, as cardio
  assert.equal((await dav('cardio').request('DELETE', ['uploads', 'broken.dcm.error.txt'])).status, 204);
});

test('bypass attempts leak nothing of a hidden study', async (t) => {
  const admin = await userTree('admin');
  const pet = STUDIES.find((s) => s.key === 'pet');
  const petStudy = admin.folders.find((f) => f.components[0] === 'by-studies' && f.components.length === 2 && f.name.includes('PET secret'));
  const petFile = admin.files.find((f) => f.components[0] === 'by-uids' && f.components[1] === pet.uid && f.name.endsWith('.dcm'));
  const visible = (await dav('cardio').propfind(['by-studies'], 1)).entries[0].name;
  const enc = encodeURIComponent;
  const studyName = petStudy.name;
  const raw = [
    `/webdav/by-studies/${enc(studyName)}`,
    `/webdav/by-studies/${enc(studyName)}/`,
    `/webdav/by-studies/${enc(studyName).replace(/%/g, '%25')}`, // double-encoded
    `/webdav//by-studies//${enc(studyName)}`,
    `/webdav/./by-studies/./${enc(studyName)}`,
    `/webdav/by-studies/${enc(visible)}/../${enc(studyName)}`,
    `/webdav/by-studies/${enc(visible)}/%2e%2e/${enc(studyName)}`,
    `/webdav/BY-STUDIES/${enc(studyName.toUpperCase())}`,
    `/webdav/by-studies/${enc(studyName.toLowerCase())}`,
    `/webdav/by-uids/${pet.uid}/study.json`,
    `/webdav/by-uids/${pet.uid}/${petFile.components[2]}/${petFile.name}`,
    `/webdav/by-uids/${pet.uid.toUpperCase()}`,
    `/webdav/by-uids/${pet.uid}%00`,
    `/webdav/by-dates/2022`,
    `/studies/${studyIds.get('pet')}`,
    `/webdav/../studies/${studyIds.get('pet')}`,
    `/instances/${[...instances].find(([, i]) => i.study === 'pet')[0]}/file`,
  ];
  const cardio = { Authorization: basicAuthorization('cardio', PASSWORDS.cardio) };
  const attempts = [];
  for (const uri of raw) {
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'PROPFIND', 'LOCK', 'PROPPATCH']) attempts.push({ uri, method, headers: cardio });
    attempts.push({ uri, method: 'POST', headers: { ...cardio, 'X-HTTP-Method-Override': 'GET' } });
    attempts.push({ uri, method: 'POST', headers: { ...cardio, 'X-HTTP-Method-Override': 'PROPFIND' } });
    attempts.push({ uri: `${uri}?_method=PROPFIND`, method: 'GET', headers: cardio });
    attempts.push({ uri: `${uri}?_method=DELETE`, method: 'GET', headers: cardio });
    attempts.push({ uri, method: 'GET', headers: { Authorization: 'Bearer 0123456789abcdef' } });
    attempts.push({ uri, method: 'GET', headers: {} });
    attempts.push({ uri, method: 'PROPFIND', headers: { Authorization: basicAuthorization('cardio', 'wrong') } });
  }
  const statuses = new Map();
  for (const attempt of attempts) {
    const answer = await rawRequest(attempt.method, attempt.uri, { Depth: '1', ...attempt.headers });
    assertNoSecret('cardio', answer.body, `${attempt.method} ${attempt.uri} ${JSON.stringify(attempt.headers)}`);
    statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    assert.ok(orthanc.alive, 'Orthanc is alive');
  }
  // Everything of the PET study is still in Orthanc after all of it.
  assert.ok(await orthanc.rest('GET', `/studies/${studyIds.get('pet')}`));
  t.diagnostic(`${attempts.length} attempts, answers by status: ${JSON.stringify(Object.fromEntries(statuses))}`);
});

/** One raw HTTP request (node:http: no URL normalization, any method); body as text. */
function rawRequest(method, uri, headers, agent = undefined) {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port: new URL(orthanc.url).port, path: uri, method, headers, agent }, (answer) => {
      const chunks = [];
      answer.on('data', (c) => chunks.push(c));
      answer.on('end', () => resolve({ status: answer.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end();
  });
}

const PROPFIND_STUDIES = '/webdav/by-studies/';

/** The study folders a PROPFIND Depth 1 of by-studies/ lists (hrefs, whatever the XML prefix). */
function studyNamesOf(body) {
  const hrefs = [...body.matchAll(/<(?:\w+:)?href>([^<]+)<\/(?:\w+:)?href>/g)].map((m) => new URL(m[1], 'http://x').pathname);
  return hrefs.map((h) => h.split('/').filter(Boolean)).filter((c) => c.length === 3 && c[1] === 'by-studies')
    .map((c) => decodeURIComponent(c[2])).sort();
}

test('identity never crosses requests: one keep-alive connection alternating users, and 64 requests at once', async () => {
  const expected = {};
  for (const user of USERS) {
    const answer = await rawRequest('PROPFIND', PROPFIND_STUDIES, { Depth: '1', Authorization: basicAuthorization(user, PASSWORDS[user]) });
    expected[user] = studyNamesOf(answer.body);
  }
  assert.ok(expected.admin.length > expected.cardio.length && expected.cardio.length > 0);
  assert.notDeepEqual(expected.cardio, expected.neuro);
  const one = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 40; i += 1) {
    const user = ['cardio', 'neuro', 'admin', 'stranger'][i % 4];
    const answer = await rawRequest('PROPFIND', PROPFIND_STUDIES, { Depth: '1', Authorization: basicAuthorization(user, PASSWORDS[user]) }, one);
    assert.deepEqual(studyNamesOf(answer.body), expected[user], `request ${i} as ${user} on the shared connection`);
    // a request without credentials on the same connection gets nothing of the one before
    const anonymous = await rawRequest('PROPFIND', PROPFIND_STUDIES, { Depth: '1' }, one);
    assert.equal(anonymous.status, 401);
  }
  one.destroy();
  const many = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const requests = [];
  for (let i = 0; i < 64; i += 1) {
    const user = USERS[i % USERS.length];
    requests.push(rawRequest('PROPFIND', PROPFIND_STUDIES, { Depth: '1', Authorization: basicAuthorization(user, PASSWORDS[user]) }, many)
      .then((answer) => ({ user, names: studyNamesOf(answer.body) })));
  }
  for (const { user, names } of await Promise.all(requests)) assert.deepEqual(names, expected[user], `concurrent request as ${user}`);
  many.destroy();
});

test('users with rules get 403 from the REST API; the admin does not; the status route only where allowed', async () => {
  const call = (user, method, uri) => rawRequest(method, uri, { Authorization: basicAuthorization(user, PASSWORDS[user]) });
  for (const user of ['cardio', 'neuro', 'research', 'stranger']) {
    for (const [method, uri] of [['GET', '/patients'], ['GET', '/instances'], ['GET', '/system'], ['POST', '/tools/find'], ['GET', '/app/explorer.html'], ['DELETE', `/studies/${studyIds.get('pet')}`]]) {
      assert.equal((await call(user, method, uri)).status, 403, `${user} ${method} ${uri}`);
    }
  }
  assert.equal((await call('admin', 'GET', '/patients')).status, 200);
  assert.equal((await call('research', 'GET', '/webdav-share/status')).status, 200, 'research may read the status route');
  assert.equal((await call('cardio', 'GET', '/webdav-share/status')).status, 403);
  assert.ok(await orthanc.rest('GET', `/studies/${studyIds.get('pet')}`), 'the PET study survived the DELETE attempts');
});

test('invalid rules: the share is not served, every request is refused, one log line says why', async () => {
  const broken = await (await Orthanc.create(path.join(ROOT, '.test-work', 'access-invalid'), {
    plugin: PLUGIN,
    options: {
      AuthenticationEnabled: true,
      RegisteredUsers: PASSWORDS,
      WebDavShare: { AccessRules: { Users: { cardio: { See: [{ Institution: 'Cardio*' }], May: ['read'] } } } },
    },
  }));
  await broken.start({ anyAnswer: true }); // /system is refused too
  try {
    const { readFileSync } = await import('node:fs');
    const log = readFileSync(broken.logFile, 'utf8');
    assert.match(log, /invalid access rules: WebDavShare\.AccessRules\.Users\.cardio\.See\[0\]\.Institution is not a tag/);
    for (const user of ['admin', 'cardio']) {
      for (const uri of ['/system', '/webdav/', '/patients']) {
        const answer = await fetch(`${broken.url}${uri}`, { headers: { Authorization: basicAuthorization(user, PASSWORDS[user]) } });
        assert.equal(answer.status, 403, `${user} ${uri}`);
      }
    }
    assert.ok(broken.alive, 'Orthanc keeps running');
  } finally {
    await broken.stop();
  }
});
