// Writing through the share's own listener (issue 12, docs/listener.md "Writing") against a
// real Orthanc 1.10.1: PUT streamed into the staging log and imported, chunked bodies with
// Finder's X-Expected-Entity-Length, the statuses RFC 4918 and RFC 9110 give each refusal, and
// bodies that lie about their length or stop half-way: nothing imported, nothing left behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import http from 'node:http';
import net from 'node:net';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { Orthanc, freePort } from '../lib/orthanc.js';
import { WebDav } from '../lib/webdav.js';
import { makeInstance, newUid } from '../lib/dicom.js';
import { until } from '../lib/until.js';
import { mountDavfs, run, succeeded, davfsUnavailable } from '../lib/davfs.js';
import { PLUGIN, ROOT } from '../../scripts/build.js';

const DIRECTORY = path.join(ROOT, '.test-work', 'listener-writes');
let orthanc;
let port;
let base;
let core; // Orthanc's port

before(async () => {
  port = await freePort();
  orthanc = await (await Orthanc.create(DIRECTORY, {
    plugin: PLUGIN,
    options: { WebDavShare: { Listener: { Port: port } } },
  })).start();
  base = `http://127.0.0.1:${port}`;
  core = new WebDav(orthanc.url, '/webdav');
});

after(async () => {
  await orthanc?.stop();
});

const instanceCount = async () => (await orthanc.rest('GET', '/statistics')).CountInstances;

/** The segments of the staging log that hold something (a live or half-written upload). */
function stagingInUse() {
  const slot = path.join(DIRECTORY, 'db', 'webdav-staging', 'slot-1');
  return readdirSync(slot).filter((f) => f.endsWith('.seg') && statSync(path.join(slot, f)).size > 0);
}

/** One raw HTTP request (node's http, so that the body can be chunked or cut); resolves { status, text }. */
function raw(method, target, headers, writeBody) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    writeBody(req);
  });
}

async function imported(sopInstanceUid) {
  await until(`instance ${sopInstanceUid} imported`, async () => (await orthanc.sopInstanceUids()).has(sopInstanceUid), 15);
  const [found] = await orthanc.rest('POST', '/tools/lookup', sopInstanceUid);
  return Buffer.from(await (await fetch(`${orthanc.url}/instances/${found.ID}/file`)).arrayBuffer());
}

test('PUT of a DICOM file: 201, made durable, imported byte for byte; a second PUT of the name 204', async () => {
  const uid = newUid();
  const file = makeInstance({ SOPInstanceUID: uid, PatientID: 'LW1' }, { frames: 30, rows: 256, columns: 256 });
  const put = await fetch(`${base}/webdav/uploads/CD/x.dcm`, { method: 'PUT', body: file });
  assert.equal(put.status, 409, 'no folder CD yet: 409 (RFC 4918 9.7.1), where Orthanc\'s port would make it');
  assert.equal((await fetch(`${base}/webdav/uploads/CD`, { method: 'MKCOL' })).status, 201);
  const first = await fetch(`${base}/webdav/uploads/CD/x.dcm`, { method: 'PUT', body: file });
  assert.equal(first.status, 201);
  assert.ok((await imported(uid)).equals(file), 'Orthanc holds the bytes that were put');
  const again = makeInstance({ SOPInstanceUID: newUid(), PatientID: 'LW1' });
  const second = await fetch(`${base}/webdav/uploads/CD/x.dcm`, { method: 'PUT', body: again });
  assert.ok([201, 204].includes(second.status), `a second PUT of the name: ${second.status}`);
});

test('a chunked PUT with X-Expected-Entity-Length (Finder) is taken; chunked without any length is 411', async () => {
  const uid = newUid();
  const file = makeInstance({ SOPInstanceUID: uid, PatientID: 'LW2' }, { frames: 10, rows: 128, columns: 128 });
  const answer = await raw('PUT', '/webdav/uploads/finder.dcm', { 'Transfer-Encoding': 'chunked', 'X-Expected-Entity-Length': String(file.length) }, (req) => {
    for (let at = 0; at < file.length; at += 7000) req.write(file.subarray(at, at + 7000));
    req.end();
  });
  assert.equal(answer.status, 201, answer.text);
  assert.ok((await imported(uid)).equals(file));
  const unannounced = await raw('PUT', '/webdav/uploads/unknown.dcm', { 'Transfer-Encoding': 'chunked' }, (req) => req.end(file));
  assert.equal(unannounced.status, 411);
});

test('a body shorter or longer than announced is 400: nothing imported, nothing left in the staging log', async () => {
  const before = await instanceCount();
  const segments = new Set(stagingInUse()); // the uploads above may still be there (kept a moment for GET)
  const file = makeInstance({ PatientID: 'LW3' });
  const shorter = await raw('PUT', '/webdav/uploads/short.dcm', { 'Transfer-Encoding': 'chunked', 'X-Expected-Entity-Length': String(file.length + 10) }, (req) => req.end(file));
  assert.equal(shorter.status, 400, shorter.text);
  const longer = await raw('PUT', '/webdav/uploads/long.dcm', { 'Transfer-Encoding': 'chunked', 'X-Expected-Entity-Length': String(file.length - 10) }, (req) => req.end(file));
  assert.equal(longer.status, 400, longer.text);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await instanceCount(), before);
  assert.deepEqual(stagingInUse().filter((f) => !segments.has(f)), [], 'no segment holds a torn upload');
  for (const name of ['short.dcm', 'long.dcm']) assert.equal((await core.propfind(['uploads', name], 0)).status, 404, `${name} is not listed`);
});

test('a client that stops half-way through its PUT: nothing imported, nothing left, the share answers', async () => {
  const before = await instanceCount();
  const segments = new Set(stagingInUse());
  const file = makeInstance({ PatientID: 'LW4' }, { frames: 20, rows: 256, columns: 256 });
  await new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => {
      socket.write(`PUT /webdav/uploads/cut.dcm HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${file.length}\r\n\r\n`);
      socket.write(file.subarray(0, file.length >> 1), () => setTimeout(() => { socket.destroy(); resolve(); }, 200));
    });
    socket.on('error', resolve);
  });
  await new Promise((r) => setTimeout(r, 300));
  await until('the cut upload to be dropped', () => stagingInUse().every((f) => segments.has(f)), 10);
  assert.equal(await instanceCount(), before);
  assert.equal((await fetch(`${base}/webdav/`, { method: 'PROPFIND', headers: { Depth: '0' } })).status, 207);
  assert.equal((await core.propfind(['uploads', 'cut.dcm'], 0)).status, 404);
});

test('refusals come before the body: 403 in the views with Expect: 100-continue (no 100), 412 for If-None-Match: *', async () => {
  const file = makeInstance({ PatientID: 'LW5' });
  const refused = await new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'PUT', path: '/webdav/by-uids/x.dcm',
      headers: { 'Content-Length': file.length, Expect: '100-continue' } }, (res) => { res.resume(); resolve({ status: res.statusCode, continued }); });
    let continued = false;
    req.on('continue', () => { continued = true; req.end(file); });
    req.on('error', reject);
    req.flushHeaders();
  });
  assert.equal(refused.status, 403);
  assert.equal(refused.continued, false, 'the body was never asked for');
  // an existing file: a folder's file being checked or lingering after its import (uploads.ts)
  assert.equal((await fetch(`${base}/webdav/uploads/kept.dcm`, { method: 'PUT', body: file })).status, 201);
  assert.equal((await core.propfind(['uploads', 'kept.dcm'], 0)).status, 207, 'kept.dcm is listed');
  const conditional = await fetch(`${base}/webdav/uploads/kept.dcm`, { method: 'PUT', body: file, headers: { 'If-None-Match': '*' } });
  assert.equal(conditional.status, 412);
});

test('rclone copies a CD tree through the listener with no ERROR line, every instance is imported; mkdir and moveto work', async () => {
  const cd = mkdtempSync(path.join(os.tmpdir(), 'listener-rclone-cd-'));
  try {
    const uids = [];
    mkdirSync(path.join(cd, 'DICOM', 'ST0001', 'SE0001'), { recursive: true });
    for (let i = 0; i < 6; i++) {
      const uid = newUid();
      uids.push(uid);
      writeFileSync(path.join(cd, 'DICOM', 'ST0001', 'SE0001', `IM${i}`), makeInstance({ SOPInstanceUID: uid, PatientID: 'LWCD' }));
    }
    writeFileSync(path.join(cd, 'README.TXT'), 'not DICOM: skipped, yet readable a moment after its PUT');
    const remote = `:webdav,url='${base}/webdav/uploads/',vendor=other:`;
    const rclone = (...args) => spawnSync('rclone', ['--config', '/dev/null', '--retries', '1', '--low-level-retries', '1', ...args], { encoding: 'utf8', timeout: 60000 });
    const copied = rclone('copy', '-v', cd, `${remote}cd`);
    assert.equal(copied.status, 0, copied.stderr);
    assert.doesNotMatch(copied.stderr, /ERROR/, copied.stderr);
    for (const uid of uids) await imported(uid);
    assert.equal(rclone('mkdir', `${remote}New folder`).status, 0);
    const moved = rclone('moveto', `${remote}New folder`, `${remote}Scans`);
    assert.equal(moved.status, 0, moved.stderr);
    const listed = rclone('lsf', '--dirs-only', remote);
    assert.match(listed.stdout, /^Scans\/$/m);
    assert.doesNotMatch(listed.stdout, /New folder/);
  } finally {
    rmSync(cd, { recursive: true, force: true });
  }
});

test('davfs2 read-write through the listener, with its locks and ETags: cp -r of a CD tree, mkdir, rm -r, overwrite a file', async () => {
  const why = davfsUnavailable();
  if (why) assert.fail(`davfs2 cannot run on this machine: ${why}`);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'listener-davfs-'));
  chmodSync(scratch, 0o755); // the davfs2 daemon (user davfs2) must reach its cache inside
  const cd = path.join(scratch, 'cd');
  const uids = [];
  mkdirSync(path.join(cd, 'DICOM', 'S1'), { recursive: true });
  for (let i = 0; i < 5; i++) {
    const uid = newUid();
    uids.push(uid);
    writeFileSync(path.join(cd, 'DICOM', 'S1', `IM${i}`), makeInstance({ SOPInstanceUID: uid, PatientID: 'LWDAV' }));
  }
  writeFileSync(path.join(cd, 'DICOMDIR'), 'not an instance');
  const mount = await mountDavfs(`${base}/webdav/`, scratch, { name: 'mnt' }); // use_locks 1, davfs2's default
  try {
    succeeded(await run('cp', ['-r', cd, path.join(mount.point, 'uploads', 'disc')], { timeout: 60000 }), 'cp -r');
    for (const uid of uids) await imported(uid);
    succeeded(await run('mkdir', [path.join(mount.point, 'uploads', 'empty folder')]), 'mkdir');
    assert.equal((await core.propfind(['uploads', 'empty folder'], 0)).status, 207, 'the folder is there on Orthanc\'s port too');
    succeeded(await run('rm', ['-r', path.join(mount.point, 'uploads', 'empty folder')]), 'rm -r');
    assert.equal((await core.propfind(['uploads', 'empty folder'], 0)).status, 404);
    assert.ok(!existsSync(path.join(mount.point, 'uploads', 'empty folder')));
    // overwrite a file: the same name written twice, the second time while the first is still
    // found by its name (imported, then kept a few seconds): davfs2 locks it and sends its ETag
    const [firstUid, secondUid] = [newUid(), newUid()];
    writeFileSync(path.join(scratch, 'first'), makeInstance({ SOPInstanceUID: firstUid, PatientID: 'LWOVER' }));
    writeFileSync(path.join(scratch, 'second'), makeInstance({ SOPInstanceUID: secondUid, PatientID: 'LWOVER' }));
    const target = path.join(mount.point, 'uploads', 'over.dcm');
    succeeded(await run('cp', [path.join(scratch, 'first'), target]), 'cp of the first file');
    await imported(firstUid);
    const found = await fetch(`${base}/webdav/uploads/over.dcm`, { method: 'PROPFIND', headers: { Depth: '0' } });
    assert.equal(found.status, 207, 'the imported file is still found by its name');
    succeeded(await run('cp', [path.join(scratch, 'second'), target]), 'cp over it');
    const second = await imported(secondUid);
    assert.ok(second.equals(readFileSync(path.join(scratch, 'second'))), 'the second file imported byte for byte');
  } finally {
    await mount.unmount();
    rmSync(scratch, { recursive: true, force: true });
  }
});

test('gio (gvfs) writes through the listener: mkdir, copy, move, remove; the instance is imported', async () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'listener-gio-'));
  try {
    const uid = newUid();
    writeFileSync(path.join(scratch, 'a.dcm'), makeInstance({ SOPInstanceUID: uid, PatientID: 'LWGIO' }));
    writeFileSync(path.join(scratch, 'notes.txt'), 'notes');
    const folder = `dav://127.0.0.1:${port}/webdav/uploads/gio%20dir`;
    const script = [
      `gio mount "dav://127.0.0.1:${port}/webdav/" < /dev/null`,
      `gio mkdir "${folder}"`,
      `gio copy "${path.join(scratch, 'a.dcm')}" "${folder}/a.dcm"`,
      `gio copy "${path.join(scratch, 'notes.txt')}" "${folder}/notes.txt"`,
      `gio move "${folder}/notes.txt" "${folder}/renamed.txt"`,
      // checked and set aside (not DICOM), it is no longer listed but still found by its name
      `gio info "${folder}/renamed.txt" > /dev/null && echo ==moved-found==`,
      `gio info "${folder}/notes.txt" > /dev/null 2>&1 || echo ==old-name-gone==`,
      `gio remove "${folder}/renamed.txt"`,
      `gio info "${folder}/renamed.txt" > /dev/null 2>&1 || echo ==removed==`,
      `gio mount -u "dav://127.0.0.1:${port}/webdav/"`,
    ].join('\n');
    const result = await run('dbus-run-session', ['--', 'sh', '-ec', script], { env: { ...process.env, HOME: scratch }, timeout: 90000 });
    assert.equal(result.status, 0, `gio:\n${result.stdout}\n${result.stderr}`);
    await imported(uid);
    for (const marker of ['==moved-found==', '==old-name-gone==', '==removed==']) assert.ok(result.stdout.includes(marker), `${marker}\n${result.stdout}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

test('cadaver writes through the listener: mkcol, put, mput, move, lock and unlock', async () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'listener-cadaver-'));
  try {
    const uids = [newUid(), newUid(), newUid()];
    uids.forEach((uid, i) => writeFileSync(path.join(scratch, `f${i}.dcm`), makeInstance({ SOPInstanceUID: uid, PatientID: 'LWCAD' })));
    writeFileSync(path.join(scratch, 'x.txt'), 'text');
    const commands = ['mkcol cad', 'cd cad', 'put f0.dcm', 'mput f1.dcm f2.dcm', 'put x.txt', 'move x.txt y.txt', 'lock y.txt', 'unlock y.txt', 'ls', 'quit'];
    const result = await run('cadaver', ['-t', `${base}/webdav/uploads/`], { input: `${commands.join('\n')}\n`, cwd: scratch,
      env: { ...process.env, HOME: scratch }, timeout: 60000 });
    assert.equal(result.status, 0, result.stderr);
    for (const said of [/Creating `cad': succeeded/, /Moving `[^']*x\.txt' to `[^']*y\.txt':\s+succeeded/, /Locking `y\.txt': succeeded/,
      /Unlocking `y\.txt': succeeded/, /Uploading f2\.dcm to `[^']*': \S* succeeded/]) {
      assert.match(result.stdout, said);
    }
    assert.doesNotMatch(result.stdout, /failed/, result.stdout);
    for (const uid of uids) await imported(uid);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

test('a file that is reported stays found by its name a few seconds, beside its report (clients read back what they wrote)', async () => {
  const file = makeInstance({ PatientID: 'LWREP' });
  const truncated = file.subarray(0, file.length - 100);
  assert.equal((await fetch(`${base}/webdav/uploads/broken.dcm`, { method: 'PUT', body: truncated })).status, 201);
  await until('the report', async () => (await core.propfind(['uploads', 'broken.dcm.error.txt'], 0)).status === 207, 15);
  const stat = await fetch(`${base}/webdav/uploads/broken.dcm`, { method: 'PROPFIND', headers: { Depth: '0' } });
  assert.equal(stat.status, 207, 'the name is still found');
  assert.match(await stat.text(), new RegExp(`<D:getcontentlength>${truncated.length}</D:getcontentlength>`));
  assert.equal((await fetch(`${base}/webdav/uploads/broken.dcm`)).status, 404, 'its bytes are not served: the report says why');
  const listed = await (await fetch(`${base}/webdav/uploads/`, { method: 'PROPFIND', headers: { Depth: '1' } })).text();
  assert.doesNotMatch(listed, /broken\.dcm<\/D:href>/, 'no longer listed');
  assert.match(listed, /broken\.dcm\.error\.txt<\/D:href>/);
});
