// The synthetic archive the benchmark measures: generated once per size into one Orthanc,
// cached under .bench/archive-v<version>-<studies>/ (the Orthanc storage + SQLite index, and a
// manifest), then copied for every Orthanc the benchmark starts.
//
// Generation must stay fast at 10,000+ studies, so dcmjs writes one template file per shape
// and every instance is a copy of its template with the varying values patched in place.
// All varying values have a fixed length, which keeps every element length (and the file meta
// group length) valid without re-encoding.
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Orthanc } from '../tests/lib/orthanc.js';
import { makeInstance } from '../tests/lib/dicom.js';

/** Bump when the generated data changes, so that cached archives are not reused. */
const ARCHIVE_VERSION = 1;
const STUDIES_PER_PATIENT = 5;
const BIG_SERIES_INSTANCES = 100;
const UPLOAD_CONCURRENCY = 12;
const MODALITIES = ['CT', 'MR', 'CR', 'US', 'DX'];
const FIRST_YEAR = 2019;
const YEARS = 6;
// Fixed-width UIDs: "2.25." + 21 digits. The kind digit keeps study, series and instance
// UIDs apart; the prefix is arbitrary.
const UID_PREFIX = '2.25.4242424242';
const UID_KIND = { study: 1, series: 2, instance: 3 };

/** Deterministic PRNG (mulberry32), so that an archive of a given size is always the same. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n, width) => String(n).padStart(width, '0');
const uid = (kind, index) => `${UID_PREFIX}${UID_KIND[kind]}${pad(index, 10)}`;

/**
 * The archive as a list of studies, each with one series of 1-2 instances; one study in
 * every 1,000 (at least one) has a series of BIG_SERIES_INSTANCES. ASCII-only names, no
 * collisions and valid dates, so that the built-in share and the plugin show the same names.
 */
export function planArchive(studyCount, instancesPerStudy = null) {
  const random = prng(0xbe9c4 + studyCount);
  const studies = [];
  const bigEvery = 1000;
  for (let s = 0; s < studyCount; s += 1) {
    const p = Math.floor(s / STUDIES_PER_PATIENT);
    const k = s % STUDIES_PER_PATIENT;
    const modality = MODALITIES[Math.floor(random() * MODALITIES.length)];
    const year = FIRST_YEAR + Math.floor(random() * YEARS);
    const month = 1 + Math.floor(random() * 12);
    const day = 1 + Math.floor(random() * 28);
    const big = s % bigEvery === Math.floor(Math.min(bigEvery, studyCount) / 2);
    studies.push({
      PatientID: `BP${pad(p, 6)}`,
      PatientName: `SYNTH^P${pad(p, 7)}`,
      StudyDescription: `EXAM ${k + 1} ${modality}`,
      StudyDate: `${year}${pad(month, 2)}${pad(day, 2)}`,
      StudyInstanceUID: uid('study', s),
      SeriesInstanceUID: uid('series', s),
      Modality: modality,
      SeriesDescription: big ? 'AXIAL STACK' : 'SINGLE SHOT',
      shape: big ? 'stack' : 'single',
      instances: instancesPerStudy ?? (big ? BIG_SERIES_INSTANCES : 1 + Math.floor(random() * 2)),
    });
  }
  return studies;
}

// ---- templates -----------------------------------------------------------------------------

// The elements patched per instance: tag (group, element), VR, and the fixed value length.
const PATCHED = {
  PatientID: [0x0010, 0x0020, 'LO', 8],
  PatientName: [0x0010, 0x0010, 'PN', 14],
  StudyDescription: [0x0008, 0x1030, 'LO', 9],
  StudyDate: [0x0008, 0x0020, 'DA', 8],
  Modality: [0x0008, 0x0060, 'CS', 2],
  StudyInstanceUID: [0x0020, 0x000d, 'UI', 26],
  SeriesInstanceUID: [0x0020, 0x000e, 'UI', 26],
  SOPInstanceUID: [0x0008, 0x0018, 'UI', 26],
  MediaStorageSOPInstanceUID: [0x0002, 0x0003, 'UI', 26],
  InstanceNumber: [0x0020, 0x0013, 'IS', 4],
};

/** Offset of an explicit-VR little-endian element's value (header: tag, VR, 16-bit length). */
function valueOffset(buffer, [group, element, vr, length], limit) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(group, 0);
  header.writeUInt16LE(element, 2);
  header.write(vr, 4, 'latin1');
  const at = buffer.indexOf(header);
  const name = `${vr} (${group.toString(16)},${element.toString(16)})`;
  if (at < 0 || at > limit) throw new Error(`template: element ${name} not found`);
  if (buffer.readUInt16LE(at + 6) !== length + (length % 2)) throw new Error(`template: element ${name} has an unexpected length`);
  return at + 8;
}

const SHAPES = {
  single: { rows: 8, columns: 8 },
  stack: { rows: 64, columns: 64 },
};

/** One dcmjs-written file per shape, and where each patched value lives in it. */
function makeTemplates() {
  const templates = {};
  for (const [name, size] of Object.entries(SHAPES)) {
    const placeholder = planArchive(1)[0];
    const tags = {
      ...Object.fromEntries(Object.keys(PATCHED).filter((k) => k in placeholder).map((k) => [k, placeholder[k]])),
      SeriesDescription: name === 'stack' ? 'AXIAL STACK' : 'SINGLE SHOT',
      SOPInstanceUID: uid('instance', 0),
      InstanceNumber: '0001',
      SeriesNumber: '1',
    };
    const buffer = makeInstance(tags, size);
    const pixels = buffer.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00])); // (7FE0,0010) PixelData
    const offsets = {};
    for (const [key, spec] of Object.entries(PATCHED)) offsets[key] = valueOffset(buffer, spec, pixels);
    templates[name] = { buffer, offsets };
  }
  return templates;
}

function instanceFile(templates, study, index, sopInstanceUid) {
  const { buffer: template, offsets } = templates[study.shape];
  const buffer = Buffer.from(template);
  const values = {
    ...study,
    SOPInstanceUID: sopInstanceUid,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    InstanceNumber: pad(index + 1, 4),
  };
  for (const [key, [, , , length]] of Object.entries(PATCHED)) {
    const value = values[key];
    if (value.length !== length) throw new Error(`${key} "${value}" is not ${length} characters long`);
    buffer.write(value, offsets[key], 'latin1');
  }
  return buffer;
}

// ---- generation and cache ------------------------------------------------------------------

async function upload(orthanc, files, onProgress) {
  let next = 0;
  let done = 0;
  const results = new Array(files.length);
  const worker = async () => {
    while (next < files.length) {
      const i = next;
      next += 1;
      const answer = await fetch(`${orthanc.url}/instances`, { method: 'POST', body: files[i].make() });
      const text = await answer.text();
      if (!answer.ok) throw new Error(`POST /instances: ${answer.status} ${text}`);
      results[i] = JSON.parse(text).ID;
      done += 1;
      if (done % 2000 === 0) onProgress(done);
    }
  };
  await Promise.all(Array.from({ length: UPLOAD_CONCURRENCY }, worker));
  return results;
}

/**
 * Generates the archive of `studyCount` studies into a running, empty `orthanc` (any index:
 * SQLite, PostgreSQL), from templates, UPLOAD_CONCURRENCY uploads at a time. Returns the plan
 * (studies with their instance ids) and the files.
 */
export async function uploadArchive(orthanc, studyCount, log = console.log, { instancesPerStudy = null } = {}) {
  const studies = planArchive(studyCount, instancesPerStudy);
  const templates = makeTemplates();
  const files = [];
  let instanceIndex = 0;
  for (const study of studies) {
    study.instanceIds = [];
    for (let i = 0; i < study.instances; i += 1) {
      const sop = uid('instance', instanceIndex);
      instanceIndex += 1;
      files.push({ study, index: i, make: () => instanceFile(templates, study, i, sop) });
    }
  }
  log(`archive: generating ${studies.length} studies, ${files.length} instances (${UPLOAD_CONCURRENCY} parallel uploads)`);
  const ids = await upload(orthanc, files, (n) => { if (n % 10000 === 0) log(`archive: ${n} / ${files.length} instances uploaded`); });
  files.forEach((f, i) => f.study.instanceIds.push(ids[i]));
  const statistics = await orthanc.rest('GET', '/statistics');
  if (statistics.CountStudies !== studies.length || statistics.CountInstances !== files.length) {
    throw new Error(`archive: Orthanc counts ${JSON.stringify(statistics)} differ from the plan`);
  }
  return { studies, files };
}

/**
 * The cached archive of `studyCount` studies, generated first when missing.
 * Returns { dbDir, manifest, reused }: copy dbDir for each Orthanc; the manifest says what is in it.
 */
export async function ensureArchive(studyCount, benchDir, log = console.log, { instancesPerStudy = null } = {}) {
  const cacheDir = path.join(benchDir, `archive-v${ARCHIVE_VERSION}-${studyCount}${instancesPerStudy ? `-x${instancesPerStudy}` : ''}`);
  const manifestPath = path.join(cacheDir, 'manifest.json');
  if (existsSync(manifestPath)) {
    log(`archive: reusing ${path.relative(process.cwd(), cacheDir)}`);
    return { dbDir: path.join(cacheDir, 'db'), manifest: JSON.parse(readFileSync(manifestPath, 'utf8')), reused: true };
  }

  const started = performance.now();
  const workDir = path.join(benchDir, 'generating');
  const options = { WebDavEnabled: false, SaveJobs: false };
  const orthanc = await (await Orthanc.create(workDir, { options })).start();
  let studies;
  let files;
  try {
    ({ studies, files } = await uploadArchive(orthanc, studyCount, log, { instancesPerStudy }));
  } finally {
    await orthanc.stop();
  }

  // What the benchmark needs to name folders and files without asking: the big series and
  // a few ordinary studies, each with its Orthanc instance ids.
  const pick = (s) => ({ ...s, instanceIds: s.instanceIds });
  const manifest = {
    version: ARCHIVE_VERSION,
    studies: studies.length,
    patients: new Set(studies.map((s) => s.PatientID)).size,
    series: studies.length,
    instances: files.length,
    bigSeries: studies.filter((s) => s.shape === 'stack').map(pick),
    samples: [0, 1, 2, 3, 4].map((i) => Math.floor((i * studies.length) / 5) + 1).filter((i) => i < studies.length)
      .map((i) => pick(studies[i])).filter((s) => s.shape === 'single'),
    generationSeconds: 0,
  };
  rmSync(cacheDir, { recursive: true, force: true });
  mkdirSync(cacheDir, { recursive: true });
  renameSync(path.join(workDir, 'db'), path.join(cacheDir, 'db'));
  rmSync(workDir, { recursive: true, force: true });
  manifest.generationSeconds = Math.round((performance.now() - started) / 100) / 10;
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2)); // written last: marks the cache complete
  log(`archive: generated in ${manifest.generationSeconds} s`);
  return { dbDir: path.join(cacheDir, 'db'), manifest, reused: false };
}

/** A private copy of the archive's database for one Orthanc. */
export function copyDatabase(dbDir, targetDb) {
  rmSync(targetDb, { recursive: true, force: true });
  cpSync(dbDir, targetDb, { recursive: true });
}
