// The in-memory catalog of patients, studies and series: the DICOM tags that naming needs,
// the dates the share shows, and the parent links. Kept current by sync.ts; read by views.ts.
// Instances are not here: they are fetched per series into the bounded cache of instances.ts.

export class Patient {
  studies: Array<string> = new Array<string>();
  constructor(
    public id: string,
    public patientId: string,
    public patientName: string,
    public lastUpdate: string,
  ) {}
}

/**
 * The patient- and study-level main DICOM tags that access rules (access.ts) may match, in the
 * order of Study.ruleTags. Orthanc's /studies?expand gives all of them.
 */
export const PATIENT_RULE_TAGS: Array<string> = ["PatientID", "PatientName", "PatientBirthDate", "PatientSex", "OtherPatientIDs"];
export const STUDY_RULE_TAGS: Array<string> = [
  "AccessionNumber", "InstitutionName", "ReferringPhysicianName", "RequestingPhysician", "StudyDescription",
  "StudyID", "StudyDate", "StudyInstanceUID", "RequestedProcedureDescription",
];
export const RULE_TAGS: Array<string> = PATIENT_RULE_TAGS.concat(STUDY_RULE_TAGS);

export class Study {
  series: Array<string> = new Array<string>();
  /** Values of RULE_TAGS, in that order ("" when absent). */
  ruleTags: Array<string> = new Array<string>();
  constructor(
    public id: string,
    public parentPatient: string,
    public patientId: string,
    public patientName: string,
    public studyDate: string,
    public studyDescription: string,
    public studyInstanceUid: string,
    public lastUpdate: string,
  ) {}
}

export class Series {
  constructor(
    public id: string,
    public parentStudy: string,
    public modality: string,
    public seriesDescription: string,
    public seriesInstanceUid: string,
    public lastUpdate: string,
  ) {}
}

/** Removes `id` from a list of ids, if there. */
export function removeFrom(list: Array<string>, id: string): void {
  const at = list.indexOf(id);
  if (at >= 0) list.splice(at, 1);
}

/** Adds `id` unless the list has it already. */
export function addTo(list: Array<string>, id: string): void {
  if (list.indexOf(id) < 0) list.push(id);
}

/** What changed in the catalog, as its listeners (views.ts) are told, after the change. */
export enum CatalogChange {
  Reset, // everything may have changed (a reload)
  PatientAdded,
  PatientRemoved,
  PatientRenamed,
  PatientDated, // only its LastUpdate changed
  StudyAdded,
  StudyRemoved, // also the old version of a study whose names, tags or patient changed
  StudyDated,
  SeriesAdded,
  SeriesRemoved, // also the old version of a series whose names changed
  SeriesDated,
}

/**
 * Told of every change, so that what is derived from the catalog (names, listings, the dates
 * tree) is updated for what changed instead of rebuilt whole: with uploads arriving, a rebuild
 * of every folder's names per new study cost more than everything else (README, "Under load").
 */
export abstract class CatalogListener {
  abstract catalogChanged(change: CatalogChange, patient: Patient | null, study: Study | null, series: Series | null): void;
}

export class Catalog {
  private listeners: Array<CatalogListener> = new Array<CatalogListener>();

  listen(listener: CatalogListener): void {
    this.listeners.push(listener);
  }

  private tell(change: CatalogChange, patient: Patient | null, study: Study | null, series: Series | null): void {
    for (let i = 0; i < this.listeners.length; i++) this.listeners[i].catalogChanged(change, patient, study, series);
  }

  patients: Map<string, Patient> = new Map<string, Patient>();
  studies: Map<string, Study> = new Map<string, Study>();
  series: Map<string, Series> = new Map<string, Series>();

  clear(): void {
    this.patients.clear();
    this.studies.clear();
    this.series.clear();
    this.tell(CatalogChange.Reset, null, null, null);
  }

  upsertPatient(patient: Patient): void {
    let change = CatalogChange.PatientAdded;
    let old: Patient | null = null;
    if (this.patients.has(patient.id)) {
      old = this.patients.get(patient.id);
      patient.studies = old.studies;
      const renamed = old.patientId != patient.patientId || old.patientName != patient.patientName;
      const dated = old.lastUpdate != patient.lastUpdate;
      if (!renamed && !dated) return;
      change = renamed ? CatalogChange.PatientRenamed : CatalogChange.PatientDated;
    }
    this.patients.set(patient.id, patient);
    this.tell(change, change == CatalogChange.PatientRenamed ? old : patient, null, null);
  }

  /** A study whose patient is unknown yet gets a patient made from the study's own tags. */
  upsertStudy(study: Study): void {
    let old: Study | null = null;
    let renamed = true;
    let dated = false;
    if (this.studies.has(study.id)) {
      const previous = this.studies.get(study.id);
      old = previous;
      study.series = previous.series;
      renamed = previous.parentPatient != study.parentPatient || previous.patientId != study.patientId ||
        previous.patientName != study.patientName || previous.studyDate != study.studyDate ||
        previous.studyDescription != study.studyDescription || previous.studyInstanceUid != study.studyInstanceUid ||
        previous.ruleTags.join("\u0000") != study.ruleTags.join("\u0000"); // who may see it can change
      dated = previous.lastUpdate != study.lastUpdate;
      if (previous.parentPatient != study.parentPatient && this.patients.has(previous.parentPatient)) {
        removeFrom(this.patients.get(previous.parentPatient).studies, study.id);
      }
    }
    this.studies.set(study.id, study);
    let newPatient: Patient | null = null;
    if (!this.patients.has(study.parentPatient)) {
      newPatient = new Patient(study.parentPatient, study.patientId, study.patientName, study.lastUpdate);
      this.patients.set(study.parentPatient, newPatient);
    }
    addTo(this.patients.get(study.parentPatient).studies, study.id);
    if (newPatient !== null) this.tell(CatalogChange.PatientAdded, newPatient, null, null);
    if (old !== null && renamed) this.tell(CatalogChange.StudyRemoved, null, old, null);
    if (renamed) this.tell(CatalogChange.StudyAdded, null, study, null);
    else if (dated) this.tell(CatalogChange.StudyDated, null, study, null);
  }

  /** Returns false (and keeps nothing) when the parent study is unknown. */
  upsertSeries(series: Series): bool {
    if (!this.studies.has(series.parentStudy)) return false;
    let old: Series | null = null;
    let renamed = true;
    let dated = false;
    if (this.series.has(series.id)) {
      const previous = this.series.get(series.id);
      old = previous;
      renamed = previous.parentStudy != series.parentStudy || previous.modality != series.modality ||
        previous.seriesDescription != series.seriesDescription || previous.seriesInstanceUid != series.seriesInstanceUid;
      dated = previous.lastUpdate != series.lastUpdate;
      if (previous.parentStudy != series.parentStudy && this.studies.has(previous.parentStudy)) {
        removeFrom(this.studies.get(previous.parentStudy).series, series.id);
      }
    }
    this.series.set(series.id, series);
    addTo(this.studies.get(series.parentStudy).series, series.id);
    if (old !== null && renamed) this.tell(CatalogChange.SeriesRemoved, null, null, old);
    if (renamed) this.tell(CatalogChange.SeriesAdded, null, null, series);
    else if (dated) this.tell(CatalogChange.SeriesDated, null, null, series);
    return true;
  }

  removeSeries(id: string): void {
    if (!this.series.has(id)) return;
    const series = this.series.get(id);
    if (this.studies.has(series.parentStudy)) removeFrom(this.studies.get(series.parentStudy).series, id);
    this.series.delete(id);
    this.tell(CatalogChange.SeriesRemoved, null, null, series);
  }

  removeStudy(id: string): void {
    if (!this.studies.has(id)) return;
    const study = this.studies.get(id);
    const children = study.series.slice(0);
    for (let i = 0; i < children.length; i++) this.series.delete(children[i]);
    if (this.patients.has(study.parentPatient)) removeFrom(this.patients.get(study.parentPatient).studies, id);
    this.studies.delete(id);
    this.tell(CatalogChange.StudyRemoved, null, study, null);
  }

  removePatient(id: string): void {
    if (!this.patients.has(id)) return;
    const patient = this.patients.get(id);
    const children = patient.studies.slice(0);
    for (let i = 0; i < children.length; i++) this.removeStudy(children[i]);
    this.patients.delete(id);
    this.tell(CatalogChange.PatientRemoved, patient, null, null);
  }

  /** Removes whatever has this id, at any level. */
  remove(id: string): void {
    this.removeSeries(id);
    this.removeStudy(id);
    this.removePatient(id);
  }

  /**
   * Orthanc removes a parent left without children; the catalog does the same so that an
   * empty patient or study never shows as an empty folder.
   */
  pruneEmpty(): void {
    const studies = this.studies.values();
    for (let i = 0; i < studies.length; i++) {
      if (studies[i].series.length == 0) this.removeStudy(studies[i].id);
    }
    const patients = this.patients.values();
    for (let i = 0; i < patients.length; i++) {
      if (patients[i].studies.length == 0) this.removePatient(patients[i].id);
    }
  }
}
