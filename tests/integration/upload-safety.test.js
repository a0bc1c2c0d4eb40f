// No upload can take Orthanc down: the file that killed Orthanc 1.10.1 through the
// share, mutants of the fuzzer PUT through a real share, a kill in the middle of an import
// (the file is reported at the restart, never imported again), and the files Orthanc itself
// imports (a bare data set without preamble, a deflated one) imported through the share too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Orthanc } from '../lib/orthanc.js';
import { WebDav } from '../lib/webdav.js';
import { makeInstance, newUid } from '../lib/dicom.js';
import { seeds, mutate, random, sopInstanceUidOf, dcmdump } from '../lib/fuzz.js';
import { PLUGIN, ROOT } from '../../scripts/build.js';
import { until } from '../lib/until.js';

let orthanc;
let dav;
const directory = path.join(ROOT, '.test-work', 'upload-safety');

before(async () => {
  orthanc = await (await Orthanc.create(directory, {
    plugin: PLUGIN,
    options: { WebDavShare: { UploadFolderIdleSeconds: 2, ImportedLingerSeconds: 1 } },
  })).start();
  dav = new WebDav(orthanc.url);
});

after(async () => {
  await orthanc?.stop();
});

const status = async () => (await orthanc.rest('GET', '/webdav-share/status')).Uploads;

/**
 * The attack the check of revision 7f11af5 let through: a valid file plus elements of non-standard VRs. A reader that takes
 * their length from bytes 6-7 (as the check of revision 7f11af5 did) skips them as opaque
 * values; DCMTK takes bytes 6-7 as reserved, reads an undefined length from bytes 8-11, and
 * parses what follows as `depth` levels of nested UN sequences (CP-246).
 */
function nonStandardVrFile(depth) {
  const le16 = (v) => { const b = Buffer.alloc(2); b.writeUInt16LE(v); return b; };
  const le32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };
  const item = Buffer.concat([Buffer.from([0xfe, 0xff, 0x00, 0xe0]), le32(0xffffffff)]);
  const open = Buffer.concat([Buffer.from([0x09, 0x00, 0x11, 0x10]), le32(0xffffffff), item]);
  const close = Buffer.concat([Buffer.from([0xfe, 0xff, 0x0d, 0xe0]), le32(0), Buffer.from([0xfe, 0xff, 0xdd, 0xe0]), le32(0)]);
  const parts = [makeInstance({ PatientID: 'ATTACK', SOPInstanceUID: newUid() })];
  for (const vr of ['XX', 'ZZ', 'QQ', 'AB']) {
    const hidden = Buffer.concat([le32(0xffffffff), item, ...Array(depth).fill(open), ...Array(depth + 1).fill(close)]);
    parts.push(Buffer.from([0x09, 0x00, 0x10, 0x10]), Buffer.from(vr), le16(hidden.length), hidden);
  }
  parts.push(Buffer.from([0x09, 0x00, 0x20, 0x10]), Buffer.from('LO'), le16(4), Buffer.from('end '));
  return Buffer.concat(parts);
}

test('the file that killed Orthanc (non-standard VRs hiding thousands of levels) is reported, Orthanc stays up', async () => {
  const before_ = await status();
  const file = nonStandardVrFile(2000);
  assert.ok(file.length > 250000, `${file.length} bytes`);
  // DCMTK, the oracle, reads it nested thousands of levels deep.
  const copy = path.join(directory, 'attack.dcm');
  writeFileSync(copy, file);
  assert.ok(dcmdump(copy).depth > 1000, 'DCMTK reads deep nesting in it');
  assert.equal((await dav.request('PUT', ['uploads', 'attack.dcm'], { body: file })).status, 201);
  await until('the report', async () => (await dav.uploadsTree()).files.includes('attack.dcm.error.txt'));
  const report = (await dav.get(['uploads', 'attack.dcm.error.txt'])).body.toString();
  assert.match(report, /non-standard VR "XX" in element \(0009,1010\)/);
  assert.ok(orthanc.alive, 'Orthanc is alive');
  assert.equal((await status()).Failed, before_.Failed + 1);
  assert.equal((await orthanc.rest('GET', '/patients')).length, 0, 'nothing of it reached Orthanc');
});

test('a bare data set without preamble and a deflated file import through the share, as through POST /instances', async () => {
  const before_ = await status();
  const files = seeds().filter((s) => s.name === 'raw-implicit' || s.name === 'deflated');
  assert.equal(files.length, 2);
  for (const seed of files) {
    assert.equal((await dav.request('PUT', ['uploads', `${seed.name}.dcm`], { body: seed.bytes })).status, 201);
  }
  await until('both imports', async () => {
    const uids = await orthanc.sopInstanceUids();
    return files.every((seed) => uids.has(sopInstanceUidOf(seed.name)));
  });
  assert.equal((await status()).Failed, before_.Failed, 'no failure report');
  await until('both to leave uploads/', async () => (await dav.uploadsTree()).files.every((f) => !files.some((seed) => f.startsWith(seed.name))));
});

test('200 mutants of the fuzzer PUT through the share: each is imported, reported or skipped, Orthanc stays up', async () => {
  const before_ = await status();
  const all = seeds();
  const next = random(77);
  let sent = 0;
  for (let i = 0; i < 200; i += 1) {
    const mutant = mutate(all[i % all.length], next, 64);
    if (mutant.bytes.length === 0) continue; // a zero-byte PUT is a file being created, not an upload
    assert.equal((await dav.request('PUT', ['uploads', 'fuzz', `m${i}.dcm`], { body: mutant.bytes })).status, 201, mutant.label);
    sent += 1;
  }
  const fates = await until('a fate for every mutant', async () => {
    const now = await status();
    const done = (now.Imported - before_.Imported) + (now.Failed - before_.Failed) + (now.Skipped - before_.Skipped);
    return now.Pending === 0 && done === sent ? now : null;
  }, 120);
  console.log(`mutants through the share: ${sent} sent, ${fates.Imported - before_.Imported} imported, ` +
    `${fates.Failed - before_.Failed} reported, ${fates.Skipped - before_.Skipped} skipped, Orthanc alive: ${orthanc.alive}`);
  assert.ok(orthanc.alive, 'Orthanc is alive');
  assert.equal((await orthanc.rest('GET', '/system')).Name, 'webdav-share-test');
  const reports = (await dav.uploadsTree()).files.filter((f) => f.startsWith('fuzz/') && f.endsWith('.error.txt'));
  assert.equal(reports.length, fates.Failed - before_.Failed, 'each failure has its report');
});

test('a kill in the middle of an import: at the restart the file is reported, never imported again', async () => {
  const slowDirectory = path.join(ROOT, '.test-work', 'upload-crash');
  const marker = path.join(slowDirectory, 'import-started');
  const lua = path.join(ROOT, '.test-work', 'slow-import.lua');
  // Orthanc's Lua filter runs inside the import: it says the import began, then holds it.
  writeFileSync(lua, `function ReceivedInstanceFilter(dicom, origin, info)
  if dicom.PatientID == 'SLOWIMPORT' then
    local f = io.open('${marker}', 'w') f:write('started') f:close()
    local t = os.time() + 60 while os.time() < t do end
  end
  return true
end
`);
  const options = { LuaScripts: [lua], WebDavShare: { ImportedLingerSeconds: 1 } };
  let server = await (await Orthanc.create(slowDirectory, { plugin: PLUGIN, options })).start();
  try {
    const sop = newUid();
    const share = new WebDav(server.url);
    assert.equal((await share.request('PUT', ['uploads', 'slow.dcm'], { body: makeInstance({ PatientID: 'SLOWIMPORT', SOPInstanceUID: sop }) })).status, 201);
    await until('the import to begin', async () => existsSync(marker));
    await server.kill();
    rmSync(marker);
    const ports = { HttpPort: server.httpPort, DicomPort: server.dicomPort };
    server = await (await Orthanc.create(slowDirectory, { plugin: PLUGIN, keepData: true, options: { ...options, ...ports } })).start();
    const again = new WebDav(server.url);
    await until('the report', async () => (await again.uploadsTree()).files.includes('slow.dcm.error.txt'));
    const report = (await again.get(['uploads', 'slow.dcm.error.txt'])).body.toString();
    assert.match(report, /Orthanc stopped while importing this file; it was not retried/);
    assert.deepEqual((await again.uploadsTree()).files, ['slow.dcm.error.txt'], 'the file itself is kept nowhere else');
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(existsSync(marker), false, 'the import was not tried again');
    assert.equal((await server.sopInstanceUids()).has(sop), false);
    assert.equal((await server.rest('GET', '/webdav-share/status')).Uploads.Pending, 0);
  } finally {
    await server.kill();
  }
});
