// The request sequences of macOS Finder (WebDAVFS/3.0) and Windows Explorer
// (Microsoft-WebDAV-MiniRedir) copying a file into uploads/ through the share's own listener,
// replayed request by request against a real Orthanc 1.10.1 with the plugin: each step's
// status as those clients need it, and at the end the file imported and nothing left behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import http from 'node:http';
import { Orthanc, freePort } from '../lib/orthanc.js';
import { makeInstance, newUid } from '../lib/dicom.js';
import { until } from '../lib/until.js';
import { PLUGIN, ROOT } from '../../scripts/build.js';

let orthanc;
let port;
let base;

before(async () => {
  port = await freePort();
  orthanc = await (await Orthanc.create(path.join(ROOT, '.test-work', 'listener-sequences'), {
    plugin: PLUGIN,
    options: { WebDavShare: { Listener: { Port: port } } },
  })).start();
  base = `http://127.0.0.1:${port}`;
});

after(async () => {
  await orthanc?.stop();
});

/** One request as the client sends it; resolves { status, headers, text }. `chunks`: a chunked body. */
function send(method, target, headers = {}, body = undefined, chunks = null) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    if (chunks) {
      for (const chunk of chunks) req.write(chunk);
      req.end();
    } else {
      req.end(body);
    }
  });
}

const lockBody = (owner) => '<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope>' +
  `<D:locktype><D:write/></D:locktype><D:owner><D:href>${owner}</D:href></D:owner></D:lockinfo>`;

async function importedUid(uid) {
  await until(`instance ${uid} imported`, async () => (await orthanc.sopInstanceUids()).has(uid), 15);
}

async function uploadsEntries() {
  const answer = await send('PROPFIND', '/webdav/uploads/', { Depth: '1' });
  assert.equal(answer.status, 207);
  return [...answer.text.matchAll(/<D:href>([^<]*)<\/D:href>/g)].map((m) => m[1]).filter((h) => h !== '/webdav/uploads/');
}

test('macOS Finder: ._ probes, a 0-byte PUT, LOCK, a chunked PUT with X-Expected-Entity-Length, UNLOCK, the ._ file', async () => {
  const finder = { 'User-Agent': 'WebDAVFS/3.0.0 (03008000) Darwin/22.6.0 (x86_64)' };
  const uid = newUid();
  const file = makeInstance({ SOPInstanceUID: uid, PatientID: 'FINDER' }, { frames: 8, rows: 128, columns: 128 });
  assert.equal((await send('PROPFIND', '/webdav/uploads/._scan.dcm', { ...finder, Depth: '0' })).status, 404);
  assert.equal((await send('PROPFIND', '/webdav/uploads/scan.dcm', { ...finder, Depth: '0' })).status, 404);
  assert.equal((await send('PUT', '/webdav/uploads/scan.dcm', { ...finder, 'Content-Length': '0' }, '')).status, 201);
  const lock = await send('LOCK', '/webdav/uploads/scan.dcm', { ...finder, Depth: '0', Timeout: 'Second-600', 'Content-Type': 'text/xml; charset="utf-8"' },
    lockBody('http://www.apple.com/webdav_fs/'));
  assert.equal(lock.status, 200, lock.text);
  const token = lock.headers['lock-token'];
  assert.match(token, /^<urn:uuid:[0-9a-f-]+>$/);
  const chunks = [];
  for (let at = 0; at < file.length; at += 32768) chunks.push(file.subarray(at, at + 32768));
  const put = await send('PUT', '/webdav/uploads/scan.dcm', { ...finder, If: `(${token})`, 'Transfer-Encoding': 'chunked',
    'X-Expected-Entity-Length': String(file.length) }, undefined, chunks);
  assert.equal(put.status, 204, put.text);
  assert.equal((await send('UNLOCK', '/webdav/uploads/scan.dcm', { ...finder, 'Lock-Token': token })).status, 204);
  const appleDouble = Buffer.alloc(4096, 0);
  assert.equal((await send('PUT', '/webdav/uploads/._scan.dcm', { ...finder, 'Content-Length': '4096' }, appleDouble)).status, 201);
  await importedUid(uid);
  await until('uploads/ to be empty', async () => (await uploadsEntries()).length === 0, 10);
});

test('Windows Explorer: OPTIONS, PROPFIND, MKCOL "New folder" then MOVE, a 0-byte PUT, LOCK without Depth, PUT, PROPPATCH Win32, UNLOCK, DELETE', async () => {
  const explorer = { 'User-Agent': 'Microsoft-WebDAV-MiniRedir/10.0.19045', Translate: 'f' };
  const uid = newUid();
  const file = makeInstance({ SOPInstanceUID: uid, PatientID: 'EXPLORER' });
  const options = await send('OPTIONS', '/', explorer);
  assert.equal(options.status, 200);
  assert.match(options.headers.dav, /2/);
  const properties = '<?xml version="1.0" encoding="utf-8" ?><D:propfind xmlns:D="DAV:"><D:prop><D:name/><D:parentname/><D:href/>' +
    '<D:ishidden/><D:isreadonly/><D:getcontenttype/><D:contentclass/><D:getcontentlanguage/><D:creationdate/><D:lastaccessed/>' +
    '<D:getlastmodified/><D:getcontentlength/><D:iscollection/><D:isstructureddocument/><D:defaultdocument/><D:displayname/>' +
    '<D:isroot/><D:resourcetype/></D:prop></D:propfind>';
  assert.equal((await send('PROPFIND', '/webdav', { ...explorer, Depth: '0' }, properties)).status, 207);
  assert.equal((await send('PROPFIND', '/webdav/uploads', { ...explorer, Depth: '1' }, properties)).status, 207);
  assert.equal((await send('MKCOL', '/webdav/uploads/New%20folder', explorer)).status, 201);
  assert.equal((await send('MOVE', '/webdav/uploads/New%20folder', { ...explorer, Destination: `${base}/webdav/uploads/Exam%201`, Overwrite: 'F' })).status, 201);
  assert.equal((await send('PUT', '/webdav/uploads/Exam%201/img.dcm', { ...explorer, 'Content-Length': '0' }, '')).status, 201);
  const lock = await send('LOCK', '/webdav/uploads/Exam%201/img.dcm', { ...explorer, Timeout: 'Second-3600' }, lockBody('WORKSTATION\\user'));
  assert.equal(lock.status, 200, lock.text);
  const token = lock.headers['lock-token'];
  const put = await send('PUT', '/webdav/uploads/Exam%201/img.dcm', { ...explorer, If: `(${token})`, 'Content-Length': String(file.length) }, file);
  assert.equal(put.status, 204);
  const win32 = '<?xml version="1.0" encoding="utf-8" ?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:schemas-microsoft-com:"><D:set><D:prop>' +
    '<Z:Win32CreationTime>Thu, 03 Dec 2026 10:00:00 GMT</Z:Win32CreationTime><Z:Win32LastAccessTime>Thu, 03 Dec 2026 10:00:00 GMT</Z:Win32LastAccessTime>' +
    '<Z:Win32LastModifiedTime>Thu, 03 Dec 2026 10:00:00 GMT</Z:Win32LastModifiedTime><Z:Win32FileAttributes>00000020</Z:Win32FileAttributes>' +
    '</D:prop></D:set></D:propertyupdate>';
  const patched = await send('PROPPATCH', '/webdav/uploads/Exam%201/img.dcm', { ...explorer, If: `(${token})` }, win32);
  assert.equal(patched.status, 207);
  assert.match(patched.text, /HTTP\/1\.1 200 OK/);
  assert.doesNotMatch(patched.text, /40[34]|424/);
  assert.equal((await send('UNLOCK', '/webdav/uploads/Exam%201/img.dcm', { ...explorer, 'Lock-Token': token })).status, 204);
  await importedUid(uid);
  assert.equal((await send('DELETE', '/webdav/uploads/Exam%201', explorer)).status, 204);
  await until('uploads/ to be empty', async () => (await uploadsEntries()).length === 0, 10);
});
