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

function removeFrom(list: Array<string>, id: string): void {
  const at = list.indexOf(id);
  if (at >= 0) list.splice(at, 1);
}

/** Returns true when `id` was not in the list yet. */
function addTo(list: Array<string>, id: string): bool {
  if (list.indexOf(id) >= 0) return false;
  list.push(id);
  return true;
}

export class Catalog {
  patients: Map<string, Patient> = new Map<string, Patient>();
  studies: Map<string, Study> = new Map<string, Study>();
  series: Map<string, Series> = new Map<string, Series>();
  /** Grows on every change that can alter a name or the tree; names are cached against it. */
  generation: u32 = 0;
  /** Grows when only a date changed; listings (which show dates) are cached against both. */
  dateGeneration: u32 = 0;

  clear(): void {
    this.patients.clear();
    this.studies.clear();
    this.series.clear();
    this.generation++;
  }

  private touched(namesChanged: bool, dateChanged: bool): void {
    if (namesChanged) this.generation++;
    else if (dateChanged) this.dateGeneration++;
  }

  upsertPatient(patient: Patient): void {
    if (this.patients.has(patient.id)) {
      const old = this.patients.get(patient.id);
      patient.studies = old.studies;
      this.touched(old.patientId != patient.patientId || old.patientName != patient.patientName,
        old.lastUpdate != patient.lastUpdate);
    } else {
      this.generation++;
    }
    this.patients.set(patient.id, patient);
  }

  /** A study whose patient is unknown yet gets a patient made from the study's own tags. */
  upsertStudy(study: Study): void {
    if (this.studies.has(study.id)) {
      const old = this.studies.get(study.id);
      study.series = old.series;
      this.touched(old.parentPatient != study.parentPatient || old.patientId != study.patientId ||
        old.patientName != study.patientName || old.studyDate != study.studyDate ||
        old.studyDescription != study.studyDescription || old.studyInstanceUid != study.studyInstanceUid ||
        old.ruleTags.join("\u0000") != study.ruleTags.join("\u0000"), // who may see it can change
        old.lastUpdate != study.lastUpdate);
      if (old.parentPatient != study.parentPatient && this.patients.has(old.parentPatient)) {
        removeFrom(this.patients.get(old.parentPatient).studies, study.id);
      }
    } else {
      this.generation++;
    }
    this.studies.set(study.id, study);
    if (!this.patients.has(study.parentPatient)) {
      this.patients.set(study.parentPatient,
        new Patient(study.parentPatient, study.patientId, study.patientName, study.lastUpdate));
      this.generation++;
    }
    if (addTo(this.patients.get(study.parentPatient).studies, study.id)) this.generation++;
  }

  /** Returns false (and keeps nothing) when the parent study is unknown. */
  upsertSeries(series: Series): bool {
    if (!this.studies.has(series.parentStudy)) return false;
    if (this.series.has(series.id)) {
      const old = this.series.get(series.id);
      this.touched(old.parentStudy != series.parentStudy || old.modality != series.modality ||
        old.seriesDescription != series.seriesDescription || old.seriesInstanceUid != series.seriesInstanceUid,
        old.lastUpdate != series.lastUpdate);
    } else {
      this.generation++;
    }
    this.series.set(series.id, series);
    if (addTo(this.studies.get(series.parentStudy).series, series.id)) this.generation++;
    return true;
  }
  removeSeries(id: string): void {
    if (!this.series.has(id)) return;
    const series = this.series.get(id);
    if (this.studies.has(series.parentStudy)) removeFrom(this.studies.get(series.parentStudy).series, id);
    this.series.delete(id);
    this.generation++;
  }

  removeStudy(id: string): void {
    if (!this.studies.has(id)) return;
    const study = this.studies.get(id);
    const children = study.series.slice(0);
    for (let i = 0; i < children.length; i++) this.series.delete(children[i]);
    if (this.patients.has(study.parentPatient)) removeFrom(this.patients.get(study.parentPatient).studies, id);
    this.studies.delete(id);
    this.generation++;
  }

  removePatient(id: string): void {
    if (!this.patients.has(id)) return;
    const children = this.patients.get(id).studies.slice(0);
    for (let i = 0; i < children.length; i++) this.removeStudy(children[i]);
    this.patients.delete(id);
    this.generation++;
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
