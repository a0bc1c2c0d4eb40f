// A deterministic fuzzer of the upload check (docs/dicom-parsing.md): seed files in every encoding the check
// accepts, and mutants of them (byte flips, truncations, lengths set to 0, 0xFFFFFFFF or odd
// values, non-standard VRs, transfer syntax switches, hidden and visible deep nesting,
// undefined-length UN, sequences in private tags). DCMTK's dcmdump, with the dictionaries
// Orthanc loads, is the oracle: every mutant the check accepts must parse without error within
// MaxSequenceDepth. The same seed gives the same mutants on every machine.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { DICTIONARY_DIR, DICTIONARY_FILES } from '../../scripts/dictionary.js';

/** mulberry32: a small seeded generator, enough for choosing mutations. */
export function random(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (n) => Math.floor(next() * n);
  next.pick = (list) => list[next.int(list.length)];
  return next;
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const UNDEFINED = 0xffffffff;

/** Writes a data set in one encoding, remembering where each element's header is. */
class Writer {
  constructor({ explicit = true, big = false } = {}) {
    this.explicit = explicit;
    this.big = big;
    this.parts = [];
    this.size = 0;
    this.headers = []; // { at, vrAt, lengthAt, lengthSize }
  }

  put(buffer) {
    this.parts.push(buffer);
    this.size += buffer.length;
  }

  u16(v) { const b = Buffer.alloc(2); if (this.big) b.writeUInt16BE(v); else b.writeUInt16LE(v); return b; }

  u32(v) { const b = Buffer.alloc(4); if (this.big) b.writeUInt32BE(v >>> 0); else b.writeUInt32LE(v >>> 0); return b; }

  /** An element header; `vr` ignored in implicit VR. */
  header(tag, vr, length) {
    const at = this.size;
    const tagBytes = Buffer.concat([this.u16(tag >>> 16), this.u16(tag & 0xffff)]);
    if (!this.explicit || tag >>> 16 === 0xfffe) {
      this.put(Buffer.concat([tagBytes, this.u32(length)]));
      this.headers.push({ at, vrAt: -1, lengthAt: at + 4, lengthSize: 4 });
    } else if (LONG_VRS.has(vr)) {
      this.put(Buffer.concat([tagBytes, Buffer.from(vr, 'latin1'), Buffer.alloc(2), this.u32(length)]));
      this.headers.push({ at, vrAt: at + 4, lengthAt: at + 8, lengthSize: 4 });
    } else {
      this.put(Buffer.concat([tagBytes, Buffer.from(vr, 'latin1'), this.u16(length)]));
      this.headers.push({ at, vrAt: at + 4, lengthAt: at + 6, lengthSize: 2 });
    }
  }

  element(tag, vr, value) {
    let bytes = Buffer.isBuffer(value) ? value : Buffer.from(value, 'latin1');
    if (bytes.length % 2 === 1) bytes = Buffer.concat([bytes, Buffer.from(vr === 'UI' ? [0] : [0x20])]);
    this.header(tag, vr, bytes.length);
    this.put(bytes);
  }

  /** A sequence of items, each written by a function of a Writer; defined or undefined lengths. */
  sequence(tag, items, { defined = false, vr = 'SQ' } = {}) {
    const inner = new Writer({ explicit: vr === 'UN' ? false : this.explicit, big: this.big });
    for (const write of items) {
      const body = new Writer({ explicit: inner.explicit, big: inner.big });
      write(body);
      inner.header(0xfffee000, '', defined ? body.size : UNDEFINED);
      inner.append(body);
      if (!defined) inner.header(0xfffee00d, '', 0);
    }
    if (!defined) inner.header(0xfffee0dd, '', 0);
    this.header(tag, vr, defined ? inner.size : UNDEFINED);
    this.append(inner);
  }

  append(other) {
    for (const h of other.headers) {
      this.headers.push({ at: h.at + this.size, vrAt: h.vrAt < 0 ? -1 : h.vrAt + this.size, lengthAt: h.lengthAt + this.size, lengthSize: h.lengthSize, nested: true });
    }
    for (const part of other.parts) this.put(part);
  }

  bytes() { return Buffer.concat(this.parts); }
}

/** The SOPInstanceUID of the seed named `name`. */
export function sopInstanceUidOf(name) {
  return `2.25.9${name.length}9${Buffer.from(name).readUInt16LE(0)}`;
}

/** The elements every seed has: SOP Common, patient, study, series, some pixels. */
function commonElements(w, name, group) {
  if (group === 0x0008) {
    w.element(0x00080005, 'CS', 'ISO_IR 192');
    w.element(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.7');
    w.element(0x00080018, 'UI', sopInstanceUidOf(name));
    return;
  }
  w.element(0x00100010, 'PN', `Fuzz^${name}`);
  w.element(0x00100020, 'LO', 'FUZZ');
  w.element(0x0020000d, 'UI', '2.25.77');
  w.element(0x0020000e, 'UI', '2.25.77.1');
}

/**
 * Nested items `depth` deep below `tag` (undefined lengths), written into w without recursion
 * (depths run to thousands). Below a UN, the levels are implicit VR (CP-246).
 */
function nested(w, tag, depth, vr = 'SQ') {
  const inner = new Writer({ explicit: vr === 'UN' ? false : w.explicit, big: w.big });
  for (let d = 0; d < depth; d += 1) {
    if (d > 0) inner.header(0x0008114a, 'SQ', UNDEFINED);
    inner.header(0xfffee000, '', UNDEFINED);
    inner.element(0x00081150, 'UI', '1.2.3');
  }
  for (let d = 0; d < depth; d += 1) {
    inner.header(0xfffee00d, '', 0);
    if (d < depth - 1) inner.header(0xfffee0dd, '', 0);
  }
  w.header(tag, vr, UNDEFINED);
  w.append(inner);
  w.header(0xfffee0dd, '', 0);
}

/** A data set in ascending tag order (DCMTK finds private creators only then): `extras` come after group 0008. */
function dataset(name, encoding, extras) {
  const w = new Writer(encoding);
  commonElements(w, name, 0x0008);
  extras?.(w, 'before');
  commonElements(w, name, 0x0010);
  extras?.(w, 'after');
  return w;
}

function withPrivate(w) {
  // A private creator and a private sequence DCMTK's private.dic knows as SQ.
  w.element(0x00090010, 'LO', 'DCMTK_ANONYMIZER');
  w.sequence(0x00091000, [(b) => b.element(0x00100020, 'LO', 'X')], { defined: true });
}

const META_PREFIX = 132;

/** A Part 10 file: preamble, meta header (explicit VR little endian), then the data set. */
export function part10(syntax, data) {
  const meta = new Writer();
  meta.element(0x00020001, 'OB', Buffer.from([0, 1]));
  meta.element(0x00020002, 'UI', '1.2.840.10008.5.1.4.1.1.7');
  meta.element(0x00020003, 'UI', '2.25.1');
  meta.element(0x00020010, 'UI', syntax);
  const group = new Writer();
  group.element(0x00020000, 'UL', (() => { const b = Buffer.alloc(4); b.writeUInt32LE(meta.size); return b; })());
  group.append(meta);
  const body = syntax === '1.2.840.10008.1.2.1.99' ? deflateRawSync(data.bytes()) : data.bytes();
  const headers = [...group.headers.map((h) => shift(h, META_PREFIX)), ...(syntax.endsWith('.99') ? [] : data.headers.map((h) => shift(h, META_PREFIX + group.size)))];
  return { bytes: Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), group.bytes(), body]), headers, dataStart: META_PREFIX + group.size, syntaxAt: META_PREFIX + group.headers[group.headers.length - 1].lengthAt + 2 };
}

function shift(h, by) {
  return { ...h, at: h.at + by, vrAt: h.vrAt < 0 ? -1 : h.vrAt + by, lengthAt: h.lengthAt + by };
}

const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const DEFLATED = '1.2.840.10008.1.2.1.99';

/** The seed files, each valid: every one of them must be accepted by the check. */
export function seeds() {
  const pixels = (w) => w.element(0x7fe00010, 'OW', Buffer.alloc(64, 7));
  const fragments = (w) => {
    w.header(0x7fe00010, 'OB', UNDEFINED);
    w.header(0xfffee000, '', 0);
    w.header(0xfffee000, '', 8);
    w.put(Buffer.alloc(8, 1));
    w.header(0xfffee0dd, '', 0);
  };
  const sequences = (w) => {
    w.sequence(0x00081110, [(b) => b.element(0x00081150, 'UI', '1.2.3'), (b) => b.element(0x00081155, 'UI', '1.2.4')], { defined: true });
    nested(w, 0x00081115, 3);
  };
  const raw = (w) => ({ bytes: w.bytes(), headers: w.headers, dataStart: 0, syntaxAt: -1 });
  // Each seed: groups 0008 and 0009 (sequences, private elements) before the patient and
  // study elements, pixel data last, as real files are (ascending tags).
  const body = (first, last) => (w, where) => (where === 'before' ? first(w) : last(w));
  const file = (name, syntax, encoding, first, last) => {
    const data = dataset(name, encoding, body(first, last));
    return { name, data, ...(syntax === null ? raw(data) : part10(syntax, data)) };
  };
  return [
    file('explicit', EXPLICIT_LE, {}, sequences, pixels),
    file('implicit', IMPLICIT_LE, { explicit: false }, (w) => { sequences(w); withPrivate(w); }, pixels),
    file('big-endian', EXPLICIT_BE, { big: true }, sequences, pixels),
    file('deflated', DEFLATED, {}, sequences, pixels),
    file('encapsulated', '1.2.840.10008.1.2.4.70', {}, sequences, fragments),
    file('un-sequence', EXPLICIT_LE, {}, (w) => nested(w, 0x00091010, 4, 'UN'), pixels),
    file('raw-implicit', null, { explicit: false }, (w) => { sequences(w); withPrivate(w); }, pixels),
  ];
}


/** Deep nesting written into a fresh element, in the seed's own encoding (explicit VR LE). */
function deepNesting(next, maxDepth, encoding) {
  const depth = next.pick([maxDepth - 1, maxDepth, maxDepth + 1, maxDepth + 2, 200, 3000]);
  const w = new Writer(encoding);
  const kind = next.pick(['visible', 'un', 'hidden-vr', 'private']);
  if (kind === 'visible') nested(w, 0x00400275, depth);
  else if (kind === 'un') nested(w, 0x00091011, depth, 'UN');
  else if (kind === 'private') {
    w.element(0x00110010, 'LO', 'DCMTK_ANONYMIZER');
    nested(w, 0x00111000, depth);
  } else {
    // The attack the check once let through: a non-standard VR whose 4-byte length DCMTK reads, hiding a sequence.
    const inner = new Writer({ explicit: false });
    nested(inner, 0x00091012, depth, 'UN');
    const body = inner.bytes().subarray(8); // the items, without the element header
    w.put(Buffer.concat([Buffer.from([0x09, 0x00, 0x12, 0x10]), Buffer.from(next.pick(['XX', 'ZZ', 'QQ', 'AB'])), Buffer.alloc(2), Buffer.from([0xff, 0xff, 0xff, 0xff]), body]));
    w.element(0x00091013, 'LO', 'end'); // so that the reading of the hidden bytes does not end the file
  }
  return { bytes: w.bytes(), label: `nesting:${kind}:${depth}` };
}

const MUTATIONS = ['flip', 'truncate', 'length', 'vr', 'syntax', 'nesting', 'odd-element'];

/** One mutant of `seed`: 1 to 3 mutations. Returns { bytes, label }. */
export function mutate(original, next, maxDepth) {
  let seed = original;
  let bytes = Buffer.from(seed.bytes);
  const labels = [];
  const count = 1 + next.int(3);
  for (let m = 0; m < count; m += 1) {
    const kind = next.pick(MUTATIONS);
    const header = seed.headers.length > 0 ? next.pick(seed.headers) : null;
    if (kind === 'flip') {
      const at = next.int(bytes.length);
      const n = 1 + next.int(4);
      for (let i = at; i < Math.min(bytes.length, at + n); i += 1) bytes[i] ^= 1 << next.int(8);
      labels.push(`flip@${at}`);
    } else if (kind === 'truncate') {
      const at = next.int(bytes.length);
      bytes = bytes.subarray(0, at);
      labels.push(`truncate@${at}`);
    } else if (kind === 'length' && header && header.lengthAt + header.lengthSize <= bytes.length) {
      const current = header.lengthSize === 4 ? bytes.readUInt32LE(header.lengthAt) : bytes.readUInt16LE(header.lengthAt);
      const max = header.lengthSize === 4 ? 0xffffffff : 0xffff;
      const value = next.pick([0, max, current | 1, current + 2, Math.max(0, current - 2), next.int(max), current * 2]) % (max + 1);
      if (header.lengthSize === 4) bytes.writeUInt32LE(value >>> 0, header.lengthAt);
      else bytes.writeUInt16LE(value, header.lengthAt);
      labels.push(`length@${header.lengthAt}=${value}`);
    } else if (kind === 'vr' && header && header.vrAt >= 0 && header.vrAt + 2 <= bytes.length) {
      const vr = next.pick(['XX', 'ZZ', 'QQ', 'AB', 'UN', 'SQ', 'OB', 'UT', 'LO', 'ox', 'x1', '\0\0']);
      bytes.write(vr, header.vrAt, 'latin1');
      labels.push(`vr@${header.vrAt}=${JSON.stringify(vr)}`);
    } else if (kind === 'syntax' && m === 0 && seed.syntaxAt > 0) {
      // The same data set declared in another transfer syntax (implicit/explicit switches).
      const syntax = next.pick([EXPLICIT_LE, IMPLICIT_LE, EXPLICIT_BE, DEFLATED, '1.2.840.10008.1.2.4.50', '1.2.3.4']);
      const switched = part10(syntax, seed.data);
      seed = { ...seed, ...switched };
      bytes = Buffer.from(switched.bytes);
      labels.push(`syntax=${syntax}`);
    } else if (kind === 'nesting' || kind === 'odd-element') {
      // Inserted between two top-level elements of the data set, or at its end.
      const boundaries = seed.headers.filter((h) => !h.nested && h.at >= seed.dataStart);
      const at = boundaries.length > 0 && next() < 0.7 ? next.pick(boundaries).at : bytes.length;
      let inserted;
      if (kind === 'nesting') {
        const deep = deepNesting(next, maxDepth, seed.data);
        inserted = deep.bytes;
        labels.push(`${deep.label}@${at}`);
      } else {
        inserted = Buffer.concat([Buffer.from([0x09, 0x00, 0x01, 0x10]), Buffer.from('LO'), Buffer.from([3, 0]), Buffer.from('ABC')]);
        labels.push(`odd-element@${at}`);
      }
      bytes = Buffer.concat([bytes.subarray(0, at), inserted, bytes.subarray(at)]);
    }
  }
  return { bytes, label: labels.join(' ') || 'unchanged' };
}

/** The environment that makes dcmdump load the dictionaries Orthanc loads. */
const DCMTK_ENV = { ...process.env, DCMDICTPATH: DICTIONARY_FILES.map((f) => `${DICTIONARY_DIR}/${f}`).join(':') };

/**
 * How DCMTK reads `file` (written at `filePath`): { ok, depth, errors }. `depth` is the deepest
 * nesting of sequences in dcmdump's tree (items indent by one level, their elements by two).
 */
export function dcmdump(filePath) {
  const run = spawnSync('dcmdump', ['-q', '+E', filePath], { env: DCMTK_ENV, encoding: 'latin1', maxBuffer: 256 << 20, timeout: 20000 });
  const lines = `${run.stdout}`.split('\n');
  let deepest = 0;
  for (const line of lines) {
    const match = /^( *)\(/.exec(line);
    if (match) deepest = Math.max(deepest, Math.ceil(match[1].length / 4));
  }
  const errors = `${run.stderr}`.split('\n').filter((l) => l.startsWith('E:'));
  return { ok: run.status === 0 && errors.length === 0, depth: deepest, errors, status: run.status };
}

/**
 * Runs `count` mutants (seeded by `seed`) through the module's check (uploadChecker of
 * tests/lib/guest.js) and through dcmdump. Returns the counts and every disagreement: a mutant
 * the check let through that DCMTK cannot read, or reads nested deeper than `maxDepth`.
 */
export function runOracle(check, count, { seed = 20261202, maxDepth = 64, directory, onMutant } = {}) {
  const all = seeds();
  const next = random(seed);
  const counts = { mutants: 0, accepted: 0, refused: 0, skipped: 0, refusedThoughDcmtkReadsIt: 0, deepestAccepted: 0 };
  const disagreements = [];
  const file = path.join(directory, 'mutant.dcm');
  for (let i = 0; i < count; i += 1) {
    const seedFile = all[i % all.length];
    const mutant = mutate(seedFile, next, maxDepth);
    const verdict = check(mutant.bytes);
    writeFileSync(file, mutant.bytes);
    const dcmtk = dcmdump(file);
    counts.mutants += 1;
    if (verdict.fate === 'import') {
      counts.accepted += 1;
      counts.deepestAccepted = Math.max(counts.deepestAccepted, dcmtk.depth);
      if (!dcmtk.ok || dcmtk.depth > maxDepth) disagreements.push({ seed: seedFile.name, mutation: mutant.label, dcmtk });
    } else if (verdict.fate === 'report') {
      counts.refused += 1;
      if (dcmtk.ok && dcmtk.depth <= maxDepth) counts.refusedThoughDcmtkReadsIt += 1;
    } else {
      counts.skipped += 1;
    }
    onMutant?.(mutant, verdict);
  }
  return { counts, disagreements };
}
