// The archive the integration tests share: generated, with the cases that break naive shares
// (non-ASCII names, "/", ":" and "*" in descriptions, empty and missing tags, missing and invalid
// StudyDate, colliding names, a multi-frame file of several MB).
import { makeInstance, newUid } from './dicom.js';

export function fixtureArchive() {
  const files = [];
  const add = (tags, options) => {
    const complete = { SOPInstanceUID: newUid(), ...tags };
    files.push({ tags: complete, buffer: makeInstance(complete, options) });
  };
  const study = (patient, tags) => ({ ...patient, StudyInstanceUID: newUid(), ...tags });
  const series = (st, tags) => ({ ...st, SeriesInstanceUID: newUid(), ...tags });

  // A German name and a description with "/", ":" and "*"; two series whose names are equal.
  const mueller = { PatientID: 'P001', PatientName: 'Müller^Jörg' };
  const thorax = study(mueller, { StudyDate: '20200302', StudyDescription: 'Thorax/Abdomen: CT*contrast' });
  const axial1 = series(thorax, { Modality: 'CT', SeriesDescription: 'AX.  FSE PD', SeriesNumber: '1' });
  const axial2 = series(thorax, { Modality: 'CT', SeriesDescription: 'AX.  FSE PD', SeriesNumber: '2' });
  add({ ...axial1, InstanceNumber: '1' });
  add({ ...axial1, InstanceNumber: '2' });
  add({ ...axial2, InstanceNumber: '1' });
  // A second study of the same patient, in another month, description with trailing dots.
  const knee = study(mueller, { StudyDate: '20200415', StudyDescription: 'Knee...' });
  add(series(knee, { Modality: 'MR', SeriesDescription: '🙂 sagittal' }));

  // Japanese name; no StudyDate at all; empty SeriesDescription; missing StudyDescription;
  // a multi-frame file of about 5 MB.
  const yamada = { PatientID: 'P002', PatientName: '山田^太郎' };
  const undated = study(yamada, { StudyDate: undefined, StudyDescription: undefined });
  add(series(undated, { Modality: 'US', SeriesDescription: '' }), { frames: 40, rows: 256, columns: 256 });
  // An invalid StudyDate (not 8 digits) and a missing Modality.
  const invalid = study(yamada, { StudyDate: '2020', StudyDescription: 'Bad date' });
  add(series(invalid, { Modality: undefined, SeriesDescription: 'No modality' }));

  // Two patients whose folder names collide: "SMITH - JOHN - A" in both cases.
  const smith1 = { PatientID: 'SMITH', PatientName: 'JOHN - A' };
  const smith2 = { PatientID: 'SMITH - JOHN', PatientName: 'A' };
  add(series(study(smith1, { StudyDate: '20191231', StudyDescription: '' }), { Modality: 'CR', SeriesDescription: 'Chest' }));
  add(series(study(smith2, { StudyDate: '20191231', StudyDescription: '' }), { Modality: 'CR', SeriesDescription: 'Chest' }));

  return files;
}

/** The same archive without anything the built-in share renders differently from ours. */
export function asciiArchive(count = 3) {
  const files = [];
  for (let p = 0; p < count; p += 1) {
    const patient = { PatientID: `ID${p}`, PatientName: `Doe^John${p}` };
    for (let s = 0; s < 2; s += 1) {
      const st = { ...patient, StudyInstanceUID: newUid(), StudyDate: `2021${String(p + 1).padStart(2, '0')}1${s}`, StudyDescription: `Study  ${s}` };
      for (let e = 0; e < 2; e += 1) {
        const se = { ...st, SeriesInstanceUID: newUid(), Modality: 'CT', SeriesDescription: e === 0 ? 'Same' : 'Same' };
        for (let i = 0; i < 2; i += 1) {
          const tags = { ...se, SOPInstanceUID: newUid(), InstanceNumber: String(i + 1) };
          files.push({ tags, buffer: makeInstance(tags) });
        }
      }
    }
  }
  return files;
}
