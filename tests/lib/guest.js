// The module (.wasm, as built for the plugin) in Node with a fake host: REST GETs answered from
// a table, uploads read from a buffer the test sets. Used by the ABI tests and the fuzzer.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import loader from '@assemblyscript/loader';
import { ROOT } from '../../scripts/build.js';

export const WASM = path.join(ROOT, 'build', 'generated', 'webdav.wasm');

/** A u32-prefixed string (the module's wire format). */
export function u32String(text) {
  const b = Buffer.from(text);
  const n = Buffer.alloc(4);
  n.writeUInt32LE(b.length);
  return Buffer.concat([n, b]);
}

/** A callback's input: identity and filter URI (both "" without access rules), then the path. */
export function encodePath(components, identity = '', uri = '') {
  const count = Buffer.alloc(4);
  count.writeUInt32LE(components.length);
  return Buffer.concat([u32String(identity), u32String(uri), count, ...components.map(u32String)]);
}

/**
 * Instantiates the module. `restAnswers` maps URI prefixes to the JSON answered, or is a
 * function from a URI to the body's text (undefined: Orthanc answers an error); `upload` is
 * the buffer host.upload_read reads (set `guest.upload = ...` before a check).
 */
export async function instantiate(restAnswers = {}) {
  let exports;
  let pending = null;
  const logs = [];
  const guest = { upload: Buffer.alloc(0), logs, restGets: [] };
  const answerOf = typeof restAnswers === 'function' ? restAnswers : (uri) => {
    const key = Object.keys(restAnswers).find((k) => uri.startsWith(k));
    return key === undefined ? undefined : JSON.stringify(restAnswers[key]);
  };
  const bytes = (ptr, len) => Buffer.from(exports.memory.buffer, ptr, len);
  const host = {
    log: (level, ptr, len) => logs.push(bytes(ptr, len).toString('utf8')),
    rest_get: (ptr, len) => {
      const uri = bytes(ptr, len).toString('utf8');
      guest.restGets.push(uri);
      const body = answerOf(uri);
      if (body === undefined) return -1;
      pending = Buffer.from(body);
      return pending.length;
    },
    rest_take: (ptr, len) => pending.copy(bytes(ptr, len)),
    rest_delete: () => -1,
    upload_read: (offset, ptr, len) => {
      const start = Number(offset);
      if (start >= guest.upload.length) return 0;
      return guest.upload.copy(bytes(ptr, len), 0, start, Math.min(guest.upload.length, start + len));
    },
    now_ms: () => Date.UTC(2024, 0, 2, 3, 4, 5),
  };
  const instance = await loader.instantiate(readFileSync(WASM), { host });
  exports = instance.exports;
  guest.exports = exports;
  guest.call = (name, input, ...rest) => {
    const ptr = exports.input(input.length);
    input.copy(bytes(ptr, input.length));
    return exports[name](input.length, ...rest);
  };
  guest.output = (length) => Buffer.from(bytes(exports.output_ptr(), length));
  return guest;
}

/**
 * A list_folder answer (assembly/answers.ts writeListing): a u32 count, then per entry u8
 * isFolder, u64 size, u8-prefixed MIME type and date, u16-prefixed name.
 */
export function decodeListing(buffer) {
  const entries = [];
  let at = 4;
  for (let i = 0; i < buffer.readUInt32LE(0); i += 1) {
    const isFolder = buffer[at] === 1;
    const size = Number(buffer.readBigUInt64LE(at + 1));
    at += 9;
    const mime = buffer.subarray(at + 1, at + 1 + buffer[at]).toString();
    at += 1 + buffer[at];
    const date = buffer.subarray(at + 1, at + 1 + buffer[at]).toString();
    at += 1 + buffer[at];
    const nameLength = buffer.readUInt16LE(at);
    const name = buffer.subarray(at + 2, at + 2 + nameLength).toString();
    at += 2 + nameLength;
    entries.push({ isFolder, size, mime, date, name });
  }
  if (at !== buffer.length) throw new Error('a listing with trailing bytes');
  return entries;
}

/** The reports tick() hands to the shim: [{ id, text }]. */
export function reportsOf(tickOutput) {
  const reports = [];
  let at = 4;
  for (let i = 0; i < tickOutput.readUInt32LE(0); i += 1) {
    const id = tickOutput.subarray(at + 1, at + 1 + tickOutput[at]).toString();
    at += 1 + tickOutput[at];
    const length = tickOutput.readUInt32LE(at);
    reports.push({ id, text: tickOutput.subarray(at + 4, at + 4 + length).toString() });
    at += 4 + length;
  }
  return reports;
}

/**
 * The module's upload check on `file`, through the exports the shim uses (store, staged, next,
 * check): 'import', 'skip', 'zip' or 'report' with the report's text.
 */
export async function uploadChecker(configuration = {}) {
  const guest = await instantiate({ '/changes': { Changes: [], Done: true, Last: 0 }, '/patients': [], '/studies': [], '/series': [], '/statistics': {} });
  guest.output(guest.call('configure', Buffer.from(JSON.stringify({ WebDavEnabled: false, ...configuration }))));
  let counter = 0;
  return (file, name = 'f.dcm') => {
    counter += 1;
    guest.upload = file;
    const stored = guest.output(guest.call('store_file', encodePath(['uploads', `${counter}`, name]), BigInt(file.length)));
    if (stored[0] !== 2) return { fate: stored[0] === 1 ? 'accepted' : 'refused' };
    const id = stored.subarray(2, 2 + stored[1]).toString();
    guest.call('upload_staged', Buffer.from(id), 1);
    const next = guest.exports.upload_next();
    if (next < 0 || guest.output(next).toString() !== id) throw new Error('upload_next did not hand out the staged file');
    const verdict = guest.call('upload_check', Buffer.from(id), BigInt(file.length));
    if (verdict === 1) {
      guest.call('upload_finish', Buffer.concat([u32String(id)]), 0);
      guest.exports.tick();
      return { fate: 'import' };
    }
    if (verdict === 2) return { fate: 'zip' };
    const reports = reportsOf(guest.output(guest.exports.tick()));
    return reports.length > 0 ? { fate: 'report', text: reports[0].text } : { fate: 'skip' };
  };
}
