// The boundaries, pinned: what the module imports and exports, what the .so needs and exports,
// and the wire format of a listing, exercised on the .wasm in Node with a fake host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import wabtFactory from 'wabt';
import path from 'node:path';
import { PLUGIN, ROOT } from '../../scripts/build.js';
import { WASM, instantiate, encodePath, u32String, decodeListing } from '../lib/guest.js';


test('the module imports only the host functions of assembly/host/index.ts', () => {
  const module = new WebAssembly.Module(readFileSync(WASM));
  const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`).sort();
  assert.deepEqual(imports, ['host.log', 'host.now_ms', 'host.rest_delete', 'host.rest_get', 'host.rest_take', 'host.upload_read']);
});

test('the module exports exactly the ABI of assembly/index.ts', () => {
  const module = new WebAssembly.Module(readFileSync(WASM));
  const exports = WebAssembly.Module.exports(module).map((e) => e.name).sort();
  assert.deepEqual(exports, ['configure', 'create_folder', 'delete_item', 'filter_request', 'http_continue', 'http_deleted', 'http_end', 'http_kept',
    'http_request', 'input', 'is_existing_folder', 'list_folder', 'listener_settings', 'memory', 'output_ptr', 'resource_deleted', 'retrieve_file', 'status', 'store_file', 'tick',
    'upload_check', 'upload_finish', 'upload_next', 'upload_restore', 'upload_staged', 'upload_zip_member',
    'upload_zip_member_done']);
});

test('the module uses no feature that wasm2c 1.0.32 cannot translate (no SIMD)', async () => {
  const wabt = await wabtFactory();
  const parsed = wabt.readWasm(readFileSync(WASM), { readDebugNames: false });
  parsed.validate();
  assert.doesNotMatch(parsed.toText({}), /v128/);
  parsed.destroy();
});

test('the plugin needs nothing beyond libc, libm and pthread, and exports only the entry points', () => {
  const libraries = execFileSync('ldd', [PLUGIN], { encoding: 'utf8' })
    .split('\n').map((l) => l.trim().split(/\s+/)[0]).filter(Boolean);
  for (const library of libraries) {
    assert.match(library, /^(linux-vdso\.so\.1|libc\.so\.6|libm\.so\.6|libpthread\.so\.0|\/lib64\/ld-linux-x86-64\.so\.2)$/, library);
  }
  const symbols = execFileSync('nm', ['-D', '--defined-only', PLUGIN], { encoding: 'utf8' })
    .split('\n').filter(Boolean).map((l) => l.split(/\s+/)[2]).sort();
  assert.deepEqual(symbols, ['OrthancPluginFinalize', 'OrthancPluginGetName', 'OrthancPluginGetVersion', 'OrthancPluginInitialize']);
});

test('the wire format of configure and list_folder, with a fake host', async () => {
  const patient = { ID: 'p1', LastUpdate: '20240101T101010', MainDicomTags: { PatientID: 'X', PatientName: 'Émile' } };
  const study = { ID: 's1', ParentPatient: 'p1', LastUpdate: '20240101T111111', MainDicomTags: { StudyDate: '20230405', StudyDescription: 'D', StudyInstanceUID: '1.2' }, PatientMainDicomTags: patient.MainDicomTags };
  const { call, output } = await instantiate({
    '/changes?last': { Changes: [], Done: true, Last: 7 },
    '/changes?since': { Changes: [], Done: true, Last: 7 },
    '/patients?expand': [patient],
    '/studies?expand': [study],
    '/series?expand': [],
  });
  const configured = output(call('configure', Buffer.from(JSON.stringify({ WebDavEnabled: false }))));
  assert.equal(configured[0], 0, 'outcome: serve');
  assert.equal(configured.subarray(2, 2 + configured[1]).toString(), '/webdav');
  const listing = decodeListing(output(call('list_folder', encodePath(['by-patients']))));
  assert.deepEqual(listing, [{ isFolder: true, size: 0, mime: '', date: '20240101T101010', name: 'X - Émile' }]);
  assert.equal(call('is_existing_folder', encodePath(['by-dates', '2023', '2023-04'])), 1);
  assert.equal(call('is_existing_folder', encodePath(['by-dates', '2023', '2023-05'])), 0);
  assert.equal(call('list_folder', encodePath(['nothing'])), -1);
  // configure's tail: u8 filter (no access rules: 0), u8-prefixed status route, u8 module
  // instances, u8 bits of the callbacks any instance answers, u8-prefixed folder only the first
  // instance serves, u16 port of the listener
  let at = 2 + configured[1];
  at += 2 + configured.readUInt16LE(at);
  at += 1;
  assert.equal(configured[at], 0, 'no request filter without access rules');
  assert.equal(configured.subarray(at + 2, at + 2 + configured[at + 1]).toString(), '/webdav-share/status');
  at += 2 + configured[at + 1];
  assert.equal(configured[at], 1, 'one module instance by default');
  assert.equal(configured[at + 1], 0b111, 'IsExistingFolder, ListFolder and RetrieveFile (codes.ts Callback) may go to any instance');
  at += 2;
  assert.equal(configured.subarray(at + 1, at + 1 + configured[at]).toString(), 'uploads');
  at += 1 + configured[at];
  assert.equal(configured.readUInt16LE(at), 0, 'no listener unless WebDavShare.Listener.Port is set');
  assert.equal(at + 2, configured.length, 'nothing after it');
});

test('with access rules: the filter decides and names the identity; callbacks use it only for their own URI', async () => {
  const study = { ID: 's1', ParentPatient: 'p1', LastUpdate: '20240101T111111', MainDicomTags: { StudyDate: '20230405', StudyDescription: 'D', StudyInstanceUID: '1.2', InstitutionName: 'Cardio' }, PatientMainDicomTags: { PatientID: 'X', PatientName: 'Y' } };
  const { call, output } = await instantiate({
    '/changes?last': { Changes: [], Done: true, Last: 7 },
    '/changes?since': { Changes: [], Done: true, Last: 7 },
    '/patients?expand': [{ ID: 'p1', LastUpdate: '20240101T101010', MainDicomTags: { PatientID: 'X', PatientName: 'Y' } }],
    '/studies?expand': [study],
    '/series?expand': [],
  });
  const configuration = { WebDavEnabled: false, AuthenticationEnabled: true, RegisteredUsers: { cardio: 'pw', neuro: 'pw' }, WebDavShare: { AccessRules: { Users: {
    cardio: { See: [{ InstitutionName: 'card*' }], May: ['read'] }, neuro: { See: [{ InstitutionName: 'neuro' }], May: ['read'] } } } } };
  const configured = output(call('configure', Buffer.from(JSON.stringify(configuration))));
  let at = 2 + configured[1];
  at += 2 + configured.readUInt16LE(at) + 1;
  assert.equal(configured[at], 1, 'the shim must register the request filter');
  const filter = (user, uri, method = 1, depth = '1') => {
    const authorization = `Basic ${Buffer.from(`${user}:pw`).toString('base64')}`;
    const answer = output(call('filter_request', Buffer.concat([u32String(uri), u32String(authorization), Buffer.from(depth)]), method));
    return { allowed: answer[0] === 1, identity: answer.subarray(5, 5 + answer.readUInt32LE(1)).toString() };
  };
  const cardio = filter('cardio', '/webdav/by-studies');
  assert.deepEqual(cardio, { allowed: true, identity: 'D1|u:cardio' }, 'a PROPFIND Depth 1 by cardio');
  assert.equal(filter('cardio', '/patients').allowed, false, 'the REST API is refused');
  assert.equal(filter('cardio', '/webdav/uploads/a.dcm', 3).allowed, false, 'a PUT without the upload right');
  const names = (identity, uri) => decodeListing(output(call('list_folder', encodePath(['by-studies'], identity, uri)))).map((e) => e.name);
  assert.deepEqual(names(cardio.identity, '/webdav/by-studies'), ['X - Y - D']);
  assert.deepEqual(names('D1|u:neuro', '/webdav/by-studies'), [], 'neuro sees none of it');
  assert.deepEqual(names(filter('cardio', '/webdav/by-studies', 1, '0').identity, '/webdav/by-studies'), [],
    'the identity of a PROPFIND Depth 0 (which makes no ListFolder) grants no listing');
  const depth0 = filter('cardio', '/webdav/by-studies', 1, '0').identity;
  assert.equal(call('is_existing_folder', encodePath(['by-studies'], depth0, '/webdav/by-studies')), 3, 'a folder, and the end of the request');
  assert.equal(call('is_existing_folder', encodePath(['by-studies'], cardio.identity, '/webdav/by-studies')), 1, 'a folder; ListFolder follows');
  assert.deepEqual(names(cardio.identity, '/webdav/by-patients'), [], 'an identity recorded for another URI grants nothing');
  assert.deepEqual(names('', ''), [], 'no identity grants nothing');
});

test('the result codes of assembly/codes.ts and plugin-shim/codes.h are the same', () => {
  const ts = readFileSync(path.join(ROOT, 'assembly', 'codes.ts'), 'utf8');
  const header = readFileSync(path.join(ROOT, 'plugin-shim', 'codes.h'), 'utf8');
  const snake = (name) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
  const fromTs = {};
  for (const [, name, body] of ts.matchAll(/export enum (\w+) \{([^}]*)\}/g)) {
    for (const [, member, value] of body.matchAll(/^\s*(\w+) = (-?\d+),/gm)) fromTs[`WEBDAV_${snake(name)}_${snake(member)}`] = Number(value);
  }
  const fromHeader = {};
  for (const [, name, value] of header.matchAll(/^#define (WEBDAV_\w+) \(?(-?\d+)\)?$/gm)) fromHeader[name] = Number(value);
  assert.ok(Object.keys(fromTs).length >= 25, 'the enums were read');
  assert.deepEqual(fromHeader, fromTs);
});

test('the shim: only orthanc.c calls the Orthanc SDK (plugin.c entry points excepted), and its files include one another without a circle', () => {
  const dir = path.join(ROOT, 'plugin-shim');
  const files = readdirSync(dir).filter((f) => /\.[ch]$/.test(f));
  const sdkCall = /\bOrthancPlugin(?!Initialize|Finalize|GetName|GetVersion)[A-Z]\w*\s*\(/g;
  for (const file of files) {
    let text = readFileSync(path.join(dir, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    if (file === 'plugin.c') {
      // the entry points register the callbacks: cut them out, the rest must call no SDK function
      text = text.replace(/EXPORTED[^{]*\{[\s\S]*?\n\}/g, '');
    }
    if (file === 'orthanc.c') continue;
    assert.deepEqual(text.match(sdkCall) ?? [], [], `${file} calls the Orthanc SDK`);
  }
  // a unit is a .c with its .h (X_internal.h belongs to X, the header its parts share): the
  // graph of units must have no circle
  const unitOf = (name) => name.replace(/\.[ch]$/, '').replace(/_internal$/, '');
  const merged = new Map();
  for (const file of files) {
    const unit = unitOf(file);
    const list = [...readFileSync(path.join(dir, file), 'utf8').matchAll(/#include "(\w+)\.h"/g)].map((m) => unitOf(m[1]));
    merged.set(unit, [...new Set([...(merged.get(unit) ?? []), ...list])].filter((u) => u !== unit));
  }
  const visiting = new Set();
  const done = new Set();
  const visit = (unit, trail) => {
    assert.ok(!visiting.has(unit), `an include circle: ${[...trail, unit].join(' -> ')}`);
    if (done.has(unit) || !merged.has(unit)) return;
    visiting.add(unit);
    for (const next of merged.get(unit)) visit(next, [...trail, unit]);
    visiting.delete(unit);
    done.add(unit);
  };
  for (const unit of merged.keys()) visit(unit, []);
});
