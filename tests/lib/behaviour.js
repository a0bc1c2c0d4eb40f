// The views' behaviour written once: one fixture, one table of cases (path, and what is there:
// a folder's entries, a file, or nothing), and a fake of Orthanc's REST API answering for the
// fixture, so that tests/integration/behaviour.test.js runs the same table against the module
// in Node (tests/lib/guest.js) and against the real plugin in Orthanc 1.10.1.
import { createHash } from 'node:crypto';
import { makeInstance } from './dicom.js';

/**
 * Orthanc's id of a resource: the SHA-1 of its DICOM identifiers joined by "|", written as
 * five groups of eight hex digits (Orthanc's DicomInstanceHasher). The real backend checks
 * that Orthanc gives the instances these ids.
 */
export function orthancId(...identifiers) {
  const hex = createHash('sha1').update(identifiers.join('|')).digest('hex');
  return hex.match(/.{8}/g).join('-');
}

/**
 * The cases that break naive shares, with fixed UIDs so that the table can name them:
 * non-ASCII names, "/", ":" and "*" in a description, empty and missing tags, a missing and an
 * invalid StudyDate, two series and two patients whose names collide.
 */
export function behaviourFixture() {
  const files = [];
  const add = (tags) => {
    const { PatientID, StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID } = tags;
    files.push({
      tags,
      buffer: makeInstance(tags),
      ids: {
        patient: orthancId(PatientID),
        study: orthancId(PatientID, StudyInstanceUID),
        series: orthancId(PatientID, StudyInstanceUID, SeriesInstanceUID),
        instance: orthancId(PatientID, StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID),
      },
    });
  };
  const mueller = { PatientID: 'P001', PatientName: 'Müller^Jörg' };
  const thorax = { ...mueller, StudyInstanceUID: '2.25.71.1', StudyDate: '20200302', StudyDescription: 'Thorax/Abdomen: CT*contrast' };
  add({ ...thorax, SeriesInstanceUID: '2.25.71.1.1', Modality: 'CT', SeriesDescription: 'AX.  FSE PD', SeriesNumber: '1', SOPInstanceUID: '2.25.71.1.1.1' });
  add({ ...thorax, SeriesInstanceUID: '2.25.71.1.1', Modality: 'CT', SeriesDescription: 'AX.  FSE PD', SeriesNumber: '1', SOPInstanceUID: '2.25.71.1.1.2' });
  add({ ...thorax, SeriesInstanceUID: '2.25.71.1.2', Modality: 'CT', SeriesDescription: 'AX.  FSE PD', SeriesNumber: '2', SOPInstanceUID: '2.25.71.1.2.1' });
  const knee = { ...mueller, StudyInstanceUID: '2.25.71.2', StudyDate: '20200415', StudyDescription: 'Knee...' };
  add({ ...knee, SeriesInstanceUID: '2.25.71.2.1', Modality: 'MR', SeriesDescription: '🙂 sagittal', SOPInstanceUID: '2.25.71.2.1.1' });
  const yamada = { PatientID: 'P002', PatientName: '山田^太郎' };
  add({ ...yamada, StudyInstanceUID: '2.25.72.1', StudyDate: undefined, StudyDescription: undefined,
    SeriesInstanceUID: '2.25.72.1.1', Modality: 'US', SeriesDescription: '', SOPInstanceUID: '2.25.72.1.1.1' });
  add({ ...yamada, StudyInstanceUID: '2.25.72.2', StudyDate: '2020', StudyDescription: 'Bad date',
    SeriesInstanceUID: '2.25.72.2.1', Modality: undefined, SeriesDescription: 'No modality', SOPInstanceUID: '2.25.72.2.1.1' });
  add({ PatientID: 'SMITH', PatientName: 'JOHN - A', StudyInstanceUID: '2.25.73.1', StudyDate: '20191231', StudyDescription: '',
    SeriesInstanceUID: '2.25.73.1.1', Modality: 'CR', SeriesDescription: 'Chest', SOPInstanceUID: '2.25.73.1.1.1' });
  add({ PatientID: 'SMITH - JOHN', PatientName: 'A', StudyInstanceUID: '2.25.74.1', StudyDate: '20191231', StudyDescription: '',
    SeriesInstanceUID: '2.25.74.1.1', Modality: 'CR', SeriesDescription: 'Chest', SOPInstanceUID: '2.25.74.1.1.1' });
  return { files, bySop: new Map(files.map((f) => [f.tags.SOPInstanceUID, f])) };
}

/**
 * The table. `entries`: the folder's Depth 1 listing, folders with a trailing "/" (compared
 * sorted); `file`: a file is there ('json', or the SOPInstanceUID of the instance it serves);
 * `missing`: neither a folder nor a file. Every listed .dcm must have its file's size.
 */
export function behaviourTable({ bySop }) {
  const id = (sop) => `${bySop.get(sop).ids.instance}.dcm`;
  // Of two resources named alike, the one with the smaller Orthanc id keeps the plain name:
  // [plain, suffixed] of two SOPInstanceUIDs, by the ids of the resources that collide.
  const byId = (first, second, [firstSop, secondSop]) => (first < second ? [firstSop, secondSop] : [secondSop, firstSop]);
  const smithSops = ['2.25.73.1.1.1', '2.25.74.1.1.1'];
  const [smithPatientPlain, smithPatientSuffixed] = byId(orthancId('SMITH'), orthancId('SMITH - JOHN'), smithSops);
  const [, smithStudySuffixed] = byId(orthancId('SMITH', '2.25.73.1'), orthancId('SMITH - JOHN', '2.25.74.1'), smithSops);
  const thorax = ['by-patients', 'P001 - Müller^Jörg', '20200302 - Thorax_Abdomen_ CT_contrast'];
  const [plainSops, suffixedSops] = byId(orthancId('P001', '2.25.71.1', '2.25.71.1.1'), orthancId('P001', '2.25.71.1', '2.25.71.1.2'),
    [['2.25.71.1.1.1', '2.25.71.1.1.2'], ['2.25.71.1.2.1']]);
  return [
    { what: 'the root: four views and uploads', path: [], entries: ['by-dates/', 'by-patients/', 'by-studies/', 'by-uids/', 'uploads/'] },
    { what: 'uploads/ starts empty', path: ['uploads'], entries: [] },
    { what: 'names are case-sensitive', path: ['By-Patients'], missing: true },
    { what: 'no such view', path: ['by-series'], missing: true },
    { what: 'patients: Unicode kept, colliding names suffixed', path: ['by-patients'],
      entries: ['P001 - Müller^Jörg/', 'P002 - 山田^太郎/', 'SMITH - JOHN - A/', 'SMITH - JOHN - A (1)/'] },
    { what: 'a patient\'s studies: Windows-unsafe characters replaced, trailing dots dropped', path: ['by-patients', 'P001 - Müller^Jörg'],
      entries: ['20200302 - Thorax_Abdomen_ CT_contrast/', '20200415 - Knee___/'] },
    { what: 'a study\'s series: equal names suffixed, inner double spaces kept', path: thorax, entries: ['CT - AX.  FSE PD/', 'CT - AX.  FSE PD (1)/'] },
    { what: 'a series\' instances by Orthanc id', path: [...thorax, 'CT - AX.  FSE PD'], entries: plainSops.map(id) },
    { what: 'the suffixed series', path: [...thorax, 'CT - AX.  FSE PD (1)'], entries: suffixedSops.map(id) },
    { what: 'an instance of by-patients', path: [...thorax, 'CT - AX.  FSE PD (1)', id(suffixedSops[0])], file: suffixedSops[0] },
    { what: 'an instance name in the wrong series', path: [...thorax, 'CT - AX.  FSE PD (1)', id(plainSops[0])], missing: true },
    { what: 'a suffix beyond the collisions', path: [...thorax, 'CT - AX.  FSE PD (2)'], missing: true },
    { what: 'the first of two patients named alike', path: ['by-patients', 'SMITH - JOHN - A', '20191231 -', 'CR - Chest'], entries: [id(smithPatientPlain)] },
    { what: 'the second of two patients named alike', path: ['by-patients', 'SMITH - JOHN - A (1)', '20191231 -', 'CR - Chest'], entries: [id(smithPatientSuffixed)] },
    { what: 'studies: empty and missing descriptions', path: ['by-studies'], entries: [
      'P001 - Müller^Jörg - Knee___/', 'P001 - Müller^Jörg - Thorax_Abdomen_ CT_contrast/', 'P002 - 山田^太郎 -/',
      'P002 - 山田^太郎 - Bad date/', 'SMITH - JOHN - A -/', 'SMITH - JOHN - A - (1)/'] },
    { what: 'a series without Modality', path: ['by-studies', 'P002 - 山田^太郎 - Bad date'], entries: ['- No modality/'] },
    { what: 'a series with an empty description', path: ['by-studies', 'P002 - 山田^太郎 -'], entries: ['US -/'] },
    { what: 'an emoji in a series name', path: ['by-studies', 'P001 - Müller^Jörg - Knee___', 'MR - 🙂 sagittal'], entries: [id('2.25.71.2.1.1')] },
    { what: 'years, and a folder for undated studies', path: ['by-dates'], entries: ['2019/', '2020/', 'No study date/'] },
    { what: 'a year\'s months', path: ['by-dates', '2020'], entries: ['2020-03/', '2020-04/'] },
    { what: 'a month\'s studies', path: ['by-dates', '2020', '2020-03'], entries: ['P001 - Müller^Jörg - Thorax_Abdomen_ CT_contrast/'] },
    { what: 'a month without studies', path: ['by-dates', '2020', '2020-05'], missing: true },
    { what: 'a year without studies', path: ['by-dates', '2021'], missing: true },
    { what: 'missing and invalid study dates', path: ['by-dates', 'No study date'], entries: ['P002 - 山田^太郎 -/', 'P002 - 山田^太郎 - Bad date/'] },
    { what: 'a series below by-dates', path: ['by-dates', '2019', '2019-12', 'SMITH - JOHN - A - (1)', 'CR - Chest'], entries: [id(smithStudySuffixed)] },
    { what: 'studies by StudyInstanceUID', path: ['by-uids'], entries: ['2.25.71.1/', '2.25.71.2/', '2.25.72.1/', '2.25.72.2/', '2.25.73.1/', '2.25.74.1/'] },
    { what: 'a study: its series and study.json', path: ['by-uids', '2.25.71.1'], entries: ['2.25.71.1.1/', '2.25.71.1.2/', 'study.json'] },
    { what: 'a series: instances by SOPInstanceUID and series.json', path: ['by-uids', '2.25.71.1', '2.25.71.1.1'], entries: ['2.25.71.1.1.1.dcm', '2.25.71.1.1.2.dcm', 'series.json'] },
    { what: 'an instance of by-uids', path: ['by-uids', '2.25.71.1', '2.25.71.1.1', '2.25.71.1.1.2.dcm'], file: '2.25.71.1.1.2' },
    { what: 'study.json', path: ['by-uids', '2.25.71.1', 'study.json'], file: 'json' },
    { what: 'series.json', path: ['by-uids', '2.25.72.1', '2.25.72.1.1', 'series.json'], file: 'json' },
    { what: 'an instance of another series', path: ['by-uids', '2.25.71.1', '2.25.71.1.2', '2.25.71.1.1.2.dcm'], missing: true },
    { what: 'a series of another study', path: ['by-uids', '2.25.71.2', '2.25.71.1.1'], missing: true },
    { what: 'no such patient', path: ['by-patients', 'nobody'], missing: true },
    { what: 'no such study in a month', path: ['by-dates', '2020', '2020-03', 'no study'], missing: true },
    { what: 'below a series that does not exist', path: ['by-studies', 'P001 - Müller^Jörg - Knee___', 'no series', 'x'], missing: true },
    { what: 'no such study UID', path: ['by-uids', '1.2.3'], missing: true },
    { what: 'below a file', path: ['by-uids', '2.25.71.1', 'study.json', 'x'], missing: true },
    { what: 'an instance without its extension', path: ['by-uids', '2.25.71.1', '2.25.71.1.1', '2.25.71.1.1.2'], missing: true },
  ];
}

/** Fake answers of Orthanc's REST API for the fixture: a function uri -> body text, or undefined (404). */
export function fakeRest({ files }, lastUpdate = '20240102T030405') {
  const unique = (list) => [...new Map(list.map((x) => [x.ID, x])).values()];
  const pick = (tags, keys) => Object.fromEntries(keys.filter((k) => tags[k] !== undefined).map((k) => [k, tags[k]]));
  const patientTags = (t) => pick(t, ['PatientID', 'PatientName']);
  const patients = unique(files.map((f) => ({ ID: f.ids.patient, Type: 'Patient', LastUpdate: lastUpdate, MainDicomTags: patientTags(f.tags) })));
  const studies = unique(files.map((f) => ({ ID: f.ids.study, Type: 'Study', ParentPatient: f.ids.patient, LastUpdate: lastUpdate,
    MainDicomTags: pick(f.tags, ['StudyDate', 'StudyDescription', 'StudyInstanceUID']), PatientMainDicomTags: patientTags(f.tags) })));
  const series = unique(files.map((f) => ({ ID: f.ids.series, Type: 'Series', ParentStudy: f.ids.study, LastUpdate: lastUpdate,
    MainDicomTags: pick(f.tags, ['Modality', 'SeriesDescription', 'SeriesInstanceUID']) })));
  const instancesOf = (seriesId) => files.filter((f) => f.ids.series === seriesId)
    .map((f) => ({ ID: f.ids.instance, Type: 'Instance', ParentSeries: seriesId, FileSize: f.buffer.length, MainDicomTags: pick(f.tags, ['SOPInstanceUID']) }));
  const byUri = new Map([['patients', patients], ['studies', studies], ['series', series]]
    .flatMap(([level, resources]) => resources.map((r) => [`/${level}/${r.ID}`, r])));
  const json = (value) => JSON.stringify(value);
  return (uri) => {
    if (uri.startsWith('/changes')) return json({ Changes: [], Done: true, Last: 1 });
    const page = uri.match(/^\/(patients|studies|series)\?expand&since=(\d+)/);
    if (page) return json(Number(page[2]) > 0 ? [] : { patients, studies, series }[page[1]]);
    if (uri === '/statistics') return json({ CountPatients: patients.length, CountStudies: studies.length, CountSeries: series.length });
    const list = uri.match(/^\/series\/([\w-]+)\/instances$/);
    if (list) return json(instancesOf(list[1]));
    if (/^\/instances\/[\w-]+\/metadata\/ReceptionDate$/.test(uri)) return lastUpdate;
    return byUri.has(uri) ? json(byUri.get(uri)) : undefined;
  };
}
