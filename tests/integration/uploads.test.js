// Uploads through the share: every DICOM file arrives, uploads/ empties, failures are visible
// as reports, junk is dropped silently, bad input never reaches Orthanc, and staged files
// survive a restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Orthanc } from '../lib/orthanc.js';
import { WebDav } from '../lib/webdav.js';
import { makeInstance, makeDeeplyNested, newUid } from '../lib/dicom.js';
import { PLUGIN, ROOT } from '../../scripts/build.js';
import { until } from '../lib/until.js';

let orthanc;
let dav;

before(async () => {
  orthanc = await (await Orthanc.create(path.join(ROOT, '.test-work', 'uploads'), {
    plugin: PLUGIN,
    options: { WebDavShare: { UploadFolderIdleSeconds: 2, EmptyFileIdleSeconds: 2, ImportedLingerSeconds: 1 } },
  })).start();
  dav = new WebDav(orthanc.url);
});

after(async () => {
  await orthanc?.stop();
});

const sopUids = () => orthanc.sopInstanceUids();

const uploadsTree = () => dav.uploadsTree();

/**
 * PUTs every file of `cases` (name -> body) into uploads/<folder>/, each answered 201, then waits
 * until uploads/ lists exactly one report per file and nothing else. Returns the reports' paths.
 */
async function putAllUntilReported(folder, cases) {
  for (const [name, body] of Object.entries(cases)) {
    assert.equal((await dav.request('PUT', ['uploads', folder, name], { body })).status, 201, name);
  }
  const reports = Object.keys(cases).map((n) => `${folder}/${n}.error.txt`).sort();
  await until(`the reports in ${folder}/`, async () => {
    const { files } = await uploadsTree();
    return reports.every((r) => files.includes(r)) && files.length === reports.length;
  });
  return reports;
}

test('a PUT .dcm is imported and leaves uploads/', async () => {
  const tags = { PatientID: 'UPLOAD1', SOPInstanceUID: newUid() };
  const put = await dav.request('PUT', ['uploads', 'one.dcm'], { body: makeInstance(tags) });
  assert.equal(put.status, 201);
  await until('the import', async () => (await sopUids()).has(tags.SOPInstanceUID));
  await until('uploads/ to empty', async () => (await uploadsTree()).files.length === 0);
});

test('a CD copied as a folder tree: every instance arrives, junk and DICOMDIR leave no report', async () => {
  const before_ = await orthanc.rest('GET', '/webdav-share/status');
  const uids = [];
  assert.equal((await dav.request('MKCOL', ['uploads', 'CD'])).status, 201);
  assert.equal((await dav.request('MKCOL', ['uploads', 'CD', 'DICOM'])).status, 201);
  assert.equal((await dav.request('MKCOL', ['uploads', 'CD', 'DICOM', 'ST000'])).status, 201);
  for (let i = 0; i < 6; i += 1) {
    const tags = { PatientID: 'CDPAT', SOPInstanceUID: newUid() };
    uids.push(tags.SOPInstanceUID);
    const name = `IM${String(i).padStart(5, '0')}`; // files on CDs have no extension
    assert.equal((await dav.request('PUT', ['uploads', 'CD', 'DICOM', 'ST000', name], { body: makeInstance(tags) })).status, 201);
  }
  const junk = {
    'autorun.inf': '[autorun]\r\nopen=viewer.exe\r\n',
    'viewer.exe': Buffer.from('MZ\x90\x00 this is not DICOM at all'.repeat(20)),
    'README.TXT': 'Open the viewer',
    '._IM00000': 'macOS resource fork',
    '.DS_Store': 'x',
    'Thumbs.db': 'x',
  };
  for (const [name, body] of Object.entries(junk)) {
    assert.equal((await dav.request('PUT', ['uploads', 'CD', name], { body })).status, 201, name);
  }
  // DICOMDIR: a DICOM file that indexes the CD, not an instance
  assert.equal((await dav.request('PUT', ['uploads', 'CD', 'DICOMDIR'], { body: makeInstance({ PatientID: 'DIR' }) })).status, 201);
  await until('every instance', async () => { const s = await sopUids(); return uids.every((u) => s.has(u)); });
  await until('uploads/ without files', async () => (await uploadsTree()).files.length === 0);
  const status = await orthanc.rest('GET', '/webdav-share/status');
  assert.equal(status.Uploads.Failed, before_.Uploads.Failed, 'no failure report');
  assert.equal(status.Uploads.Imported - before_.Uploads.Imported, 6);
  assert.ok(status.Uploads.Skipped - before_.Uploads.Skipped >= 4, 'autorun.inf, viewer.exe, README.TXT, DICOMDIR skipped');
  assert.equal(status.Uploads.JunkDropped - before_.Uploads.JunkDropped, 3);
  assert.ok(!(await sopUids()).has(undefined));
  // the emptied folders go after their idle delay
  await until('empty folders to go', async () => (await uploadsTree()).folders.length === 0, 15);
});

test('bad input gets a report beside it, Orthanc keeps running, nothing else changes', async () => {
  const before_ = await orthanc.rest('GET', '/statistics');
  const truncated = makeInstance({ PatientID: 'TRUNC' });
  const cases = {
    'truncated.dcm': truncated.subarray(0, truncated.length - 40),
    'deep.dcm': makeDeeplyNested(3000, { PatientID: 'DEEP' }),
    'deep-no-extension': makeDeeplyNested(3000, { PatientID: 'DEEP2' }),
    'not-dicom.dcm': Buffer.from('hello'),
    'corrupt.zip': Buffer.from('PK\x03\x04corrupt zip archive!'),
    'Ünïcødé 名前 ✓.dcm': truncated.subarray(0, 200),
  };
  const reports = await putAllUntilReported('bad', cases);
  const deep = await dav.get(['uploads', 'bad', 'deep.dcm.error.txt']);
  assert.equal(deep.status, 200);
  assert.match(deep.body.toString(), /uploads\/bad\/deep\.dcm.*\r?\n.*nested deeper than 64 levels/s);
  assert.match((await dav.get(['uploads', 'bad', 'truncated.dcm.error.txt'])).body.toString(), /runs past the end|cut off/);
  assert.ok(orthanc.alive, 'Orthanc is alive');
  const after_ = await orthanc.rest('GET', '/statistics');
  assert.equal(after_.CountInstances, before_.CountInstances, 'nothing was imported');
  // the user deletes the reports
  for (const report of reports) {
    assert.equal((await dav.request('DELETE', ['uploads', ...report.split('/')])).status, 204);
  }
  assert.equal((await uploadsTree()).files.length, 0);
});

test('zero-byte PUT then rewrite (Windows Explorer, macOS Finder), LOCK/PROPPATCH in between', async () => {
  const tags = { PatientID: 'EXPLORER', SOPInstanceUID: newUid() };
  const target = ['uploads', 'explorer.dcm'];
  assert.equal((await dav.request('PUT', target, { body: '' })).status, 201);
  const listed = await dav.propfind(['uploads']);
  assert.ok(listed.entries.some((e) => e.name === 'explorer.dcm' && e.size === 0), 'the empty file is listed');
  const lock = await dav.request('LOCK', target, { body: '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>' });
  assert.ok(lock.status < 500, `LOCK ${lock.status}`);
  assert.equal((await dav.request('PUT', ['uploads', '._explorer.dcm'], { body: 'resource fork' })).status, 201);
  assert.equal((await dav.request('PUT', target, { body: makeInstance(tags) })).status, 201);
  const proppatch = await dav.request('PROPPATCH', target, { body: '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"/>' });
  assert.ok(proppatch.status < 500, `PROPPATCH ${proppatch.status}`);
  await until('the import', async () => (await sopUids()).has(tags.SOPInstanceUID));
  await until('uploads/ to empty', async () => (await uploadsTree()).files.length === 0);
  // a zero-byte file never rewritten goes after its idle delay, without a report
  assert.equal((await dav.request('PUT', ['uploads', 'never.dcm'], { body: '' })).status, 201);
  await until('the empty file to go', async () => (await uploadsTree()).files.length === 0, 15);
});

test('names and places: outside uploads/ 403, ".." never escapes, MKCOL on an existing name 403', async () => {
  assert.equal((await dav.request('PUT', ['by-studies', 'x.dcm'], { body: 'x' })).status, 403);
  assert.equal((await dav.request('PUT', ['x.dcm'], { body: 'x' })).status, 403);
  assert.equal((await dav.request('MKCOL', ['by-patients', 'new'])).status, 403);
  const escape = await fetch(`${orthanc.url}/webdav/uploads/%2E%2E/%2E%2E/escape.dcm`, { method: 'PUT', body: 'x' });
  assert.ok(escape.status >= 400, `PUT uploads/../../escape.dcm: ${escape.status}`);
  assert.equal((await dav.request('MKCOL', ['uploads', 'twice'])).status, 201);
  assert.equal((await dav.request('MKCOL', ['uploads', 'twice'])).status, 403);
  assert.equal((await dav.request('DELETE', ['uploads', 'twice'])).status, 204);
  assert.ok(orthanc.alive);
});

test('real clients: rclone copy of a folder, cadaver put and mput', async () => {
  const folder = path.join(ROOT, '.test-work', 'uploads-source');
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(path.join(folder, 'series'), { recursive: true });
  const uids = [];
  for (let i = 0; i < 5; i += 1) {
    const tags = { PatientID: 'RCLONE', SOPInstanceUID: newUid() };
    uids.push(tags.SOPInstanceUID);
    writeFileSync(path.join(folder, 'series', `f${i}.dcm`), makeInstance(tags));
  }
  const env = { ...process.env, RCLONE_CONFIG: '/dev/null', RCLONE_CONFIG_O_TYPE: 'webdav', RCLONE_CONFIG_O_URL: `${orthanc.url}/webdav/`, RCLONE_CONFIG_O_VENDOR: 'other' };
  // After each PUT, rclone checks the file with PROPFIND Depth 0, and Orthanc 1.10.1's core
  // answers that (for any WebDAV collection, the built-in share's too) with the parent folder
  // first: rclone then says "is a directory not a file" although the upload succeeded. So its
  // exit status is not the verdict here; what Orthanc received is.
  try {
    execFileSync('rclone', ['copy', '--no-check-dest', '--retries', '1', folder, 'o:uploads/from-rclone'], { env, timeout: 60000, stdio: 'pipe' });
  } catch (error) {
    assert.match(String(error.stderr), /is a directory not a file/, 'rclone fails only on its check');
  }
  const cadaverFiles = [];
  for (let i = 0; i < 3; i += 1) {
    const tags = { PatientID: 'CADAVER', SOPInstanceUID: newUid() };
    uids.push(tags.SOPInstanceUID);
    const file = path.join(folder, `c${i}.dcm`);
    writeFileSync(file, makeInstance(tags));
    cadaverFiles.push(file);
  }
  const script = `cd uploads\nlcd ${folder}\nput c0.dcm\nmput c1.dcm c2.dcm\nquit\n`;
  execFileSync('cadaver', ['-t', `${orthanc.url}/webdav/`], { input: script, timeout: 60000, env: { ...process.env, HOME: path.join(ROOT, '.test-work') }, stdio: 'pipe' });
  await until('every instance', async () => { const s = await sopUids(); return uids.every((u) => s.has(u)); });
  await until('uploads/ without files', async () => (await uploadsTree()).files.length === 0);
});

/**
 * An Orthanc whose workers are held back (IngestWorkers 0) in `.test-work/<name>`, with
 * `count` files PUT into uploads/<folder>/; returns it, its share and the SOPInstanceUIDs.
 */
async function heldWithUploads(name, folder, count) {
  const directory = path.join(ROOT, '.test-work', name);
  const held = await (await Orthanc.create(directory, { plugin: PLUGIN, options: { WebDavShare: { IngestWorkers: 0 } } })).start();
  const heldDav = new WebDav(held.url);
  const uids = [];
  for (let i = 0; i < count; i += 1) {
    const tags = { PatientID: folder.toUpperCase(), SOPInstanceUID: newUid() };
    uids.push(tags.SOPInstanceUID);
    assert.equal((await heldDav.request('PUT', ['uploads', folder, `${folder}${i}.dcm`], { body: makeInstance(tags) })).status, 201);
  }
  return { directory, held, heldDav, uids };
}

/** Orthanc started again on `held`'s data and ports; returns once every uid is imported. */
async function restartedUntilImported(directory, held, uids) {
  const again = await (await Orthanc.create(directory, { plugin: PLUGIN, keepData: true, options: { HttpPort: held.httpPort, DicomPort: held.dicomPort } })).start();
  try {
    await until('the staged files to be imported', async () => {
      const instances = await again.rest('GET', '/instances?expand');
      const have = new Set(instances.map((i) => i.MainDicomTags.SOPInstanceUID));
      return uids.every((u) => have.has(u));
    });
  } catch (error) {
    await again.stop();
    throw error;
  }
  return again;
}

test('files staged but not imported survive a restart and are imported after it', async () => {
  const { directory, held, heldDav, uids } = await heldWithUploads('uploads-restart', 'later', 4);
  // a PUT over a file still pending replaces it: only the second version is imported
  const replaced = { PatientID: 'LATER', SOPInstanceUID: newUid() };
  assert.equal((await heldDav.request('PUT', ['uploads', 'later', 'later0.dcm'], { body: makeInstance(replaced) })).status, 201);
  const firstVersion = uids.shift();
  uids.push(replaced.SOPInstanceUID);
  const pending = await held.rest('GET', '/webdav-share/status');
  assert.equal(pending.Uploads.Pending, 4);
  assert.equal((await held.rest('GET', '/statistics')).CountInstances, 0);
  await held.stop();
  const again = await restartedUntilImported(directory, held, uids);
  try {
    const instances = await again.rest('GET', '/instances?expand');
    assert.ok(!instances.some((i) => i.MainDicomTags.SOPInstanceUID === firstVersion), 'the replaced version is not imported');
  } finally {
    await again.stop();
  }
});

test('a crash right after the uploads are answered loses none of them; a torn record at the end of the log is ignored', async () => {
  const { directory, held, uids } = await heldWithUploads('uploads-crash', 'crash', 3);
  await held.kill();
  // What a write cut short by the crash leaves: the start of a record, then nothing.
  const staging = path.join(directory, 'db', 'webdav-staging', 'slot-1'); // the first process takes the first slot
  const segments = readdirSync(staging).filter((f) => f.endsWith('.seg'));
  assert.equal(segments.length, 1, 'one segment holds the three uploads');
  appendFileSync(path.join(staging, segments[0]), Buffer.concat([Buffer.from('WDSR'), randomBytes(40)]));
  const again = await restartedUntilImported(directory, held, uids);
  try {
    assert.equal((await again.rest('GET', '/statistics')).CountInstances, 3, 'nothing else was imported');
    assert.equal((await again.rest('GET', '/webdav-share/status')).Uploads.Failed, 0, 'the torn record is no failure');
    assert.ok(again.alive, 'Orthanc is alive');
    // Once all are done, the log is emptied: an idle share keeps no space.
    await until('the staging log to be emptied', () => readdirSync(staging).every((f) => !f.endsWith('.seg') || statSync(path.join(staging, f)).size === 0));
  } finally {
    await again.stop();
  }
});

test('ZIP archives: members imported one by one, junk skipped, bad members and bombs reported', async () => {
  const { zipSync } = await import('fflate');
  const before_ = await orthanc.rest('GET', '/webdav-share/status');
  const uids = [];
  const members = {};
  for (let i = 0; i < 4; i += 1) {
    const tags = { PatientID: 'ZIPPED', SOPInstanceUID: newUid() };
    uids.push(tags.SOPInstanceUID);
    members[`study/series/IM${i}`] = makeInstance(tags);
  }
  members['README.txt'] = Buffer.from('not DICOM');
  members['__MACOSX/study/._IM0'] = Buffer.from('resource fork');
  members['empty-folder/'] = new Uint8Array(0);
  const good = Buffer.from(zipSync(Object.fromEntries(Object.entries(members).map(([k, v]) => [k, new Uint8Array(v)]))));
  assert.equal((await dav.request('PUT', ['uploads', 'good.zip'], { body: good })).status, 201);
  await until('the zipped instances', async () => { const s = await sopUids(); return uids.every((u) => s.has(u)); });
  await until('good.zip to leave uploads/', async () => (await uploadsTree()).files.length === 0);
  const after_ = await orthanc.rest('GET', '/webdav-share/status');
  assert.equal(after_.Uploads.Imported - before_.Uploads.Imported, 4);
  assert.equal(after_.Uploads.Failed, before_.Uploads.Failed);

  // one good member, one deeply nested, one with a corrupt CRC; a bomb; corrupt and empty archives
  const keep = { PatientID: 'ZIPPART', SOPInstanceUID: newUid() };
  const mixed = Buffer.from(zipSync({
    'ok.dcm': new Uint8Array(makeInstance(keep)),
    'deep.dcm': new Uint8Array(makeDeeplyNested(500)),
  }, { level: 0 }));
  const bomb = Buffer.from(zipSync({ 'zeros.dcm': new Uint8Array(50 * 1024 * 1024) }, { level: 9 }));
  const empty = Buffer.from(zipSync({}));
  const cases = { 'mixed.zip': mixed, 'bomb.zip': bomb, 'empty.zip': empty, 'corrupt.zip': Buffer.from('PK\x03\x04corrupt zip archive!') };
  const reports = await putAllUntilReported('zips', cases);
  await until('the good member of mixed.zip', async () => (await sopUids()).has(keep.SOPInstanceUID));
  const read = async (name) => (await dav.get(['uploads', 'zips', `${name}.error.txt`])).body.toString();
  // A report says what was imported and what was not, and does not begin "was not imported".
  assert.match(await read('mixed.zip'), /^The archive uploads\/zips\/mixed\.zip was partly imported into Orthanc: 1 file\(s\) were imported, 1 were not\.\r\nNot imported:\r\n  deep\.dcm: .*nested deeper than 64/s);
  assert.match(await read('bomb.zip'), /^None of the 1 file\(s\) of the archive uploads\/zips\/bomb\.zip was imported.*zeros\.dcm: unpacks to more than the configured limit/s);
  assert.match(await read('empty.zip'), /holds no DICOM file/);
  assert.match(await read('corrupt.zip'), /not a readable ZIP archive/);
  assert.ok(orthanc.alive);
  for (const report of reports) await dav.request('DELETE', ['uploads', ...report.split('/')]);
});

test('a failure report outlives a restart until the user deletes it', async () => {
  const directory = path.join(ROOT, '.test-work', 'uploads-reports');
  const first = await (await Orthanc.create(directory, { plugin: PLUGIN })).start();
  const ports = { HttpPort: first.httpPort, DicomPort: first.dicomPort };
  const restart = async () => (await Orthanc.create(directory, { plugin: PLUGIN, keepData: true, options: ports })).start();
  const report = ['uploads', 'kept', 'broken.dcm.error.txt'];
  const slot = path.join(directory, 'db', 'webdav-staging', 'slot-1');
  const stagedReports = () => readdirSync(slot).filter((f) => f.endsWith('.report'));
  let server = first;
  try {
    let share = new WebDav(server.url);
    assert.equal((await share.request('PUT', ['uploads', 'kept', 'broken.dcm'], { body: Buffer.from('not dicom') })).status, 201);
    const text = await until('the report', async () => {
      const got = await share.get(report);
      return got.status === 200 ? got.body.toString() : null;
    });
    // The timer makes it durable (a "<id>.report" file in the staging slot) within a second.
    await until('the report on disk', () => stagedReports().length === 1);
    await server.stop();
    server = await restart();
    share = new WebDav(server.url);
    const again = await until('the report after the restart', async () => {
      const got = await share.get(report);
      return got.status === 200 ? got.body.toString() : null;
    });
    assert.equal(again, text);
    assert.equal((await share.request('DELETE', report)).status, 204);
    await until('the report gone from disk', () => stagedReports().length === 0);
    await server.stop();
    server = await restart();
    share = new WebDav(server.url);
    assert.equal((await share.get(report)).status, 404);
  } finally {
    await server.stop();
  }
});
