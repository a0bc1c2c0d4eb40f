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

export class Study {
  series: Array<string> = new Array<string>();
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

function addTo(list: Array<string>, id: string): void {
  if (list.indexOf(id) < 0) list.push(id);
}

export class Catalog {
  patients: Map<string, Patient> = new Map<string, Patient>();
  studies: Map<string, Study> = new Map<string, Study>();
  series: Map<string, Series> = new Map<string, Series>();
  /** Grows on every change that can alter a name or the tree; views cache against it. */
  generation: u32 = 0;

  clear(): void {
    this.patients.clear();
    this.studies.clear();
    this.series.clear();
    this.generation++;
  }

  upsertPatient(patient: Patient): void {
    if (this.patients.has(patient.id)) {
      patient.studies = this.patients.get(patient.id).studies;
    }
    this.patients.set(patient.id, patient);
    this.generation++;
  }

  /** A study whose patient is unknown yet gets a patient made from the study's own tags. */
  upsertStudy(study: Study): void {
    if (this.studies.has(study.id)) {
      study.series = this.studies.get(study.id).series;
    }
    this.studies.set(study.id, study);
    if (!this.patients.has(study.parentPatient)) {
      this.patients.set(study.parentPatient,
        new Patient(study.parentPatient, study.patientId, study.patientName, study.lastUpdate));
    }
    addTo(this.patients.get(study.parentPatient).studies, study.id);
    this.generation++;
  }

  /** Returns false (and keeps nothing) when the parent study is unknown. */
  upsertSeries(series: Series): bool {
    if (!this.studies.has(series.parentStudy)) return false;
    this.series.set(series.id, series);
    addTo(this.studies.get(series.parentStudy).series, series.id);
    this.generation++;
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
