// Under access rules, what an upload may touch (README, "Access rules"): an instance joins the
// study of its StudyInstanceUID and the patient of its PatientID. It is refused when that study
// exists and its uploader cannot see it, or when that patient exists and its uploader sees none
// of its studies. Reasons name nothing hidden.
import { AccessRules, RIGHT_READ } from "./access";
import { Catalog } from "./catalog";
import { CheckResult } from "./dicomcheck";
import { Synchronizer } from "./sync";
import { UploadGuard } from "./uploads";

export class AccessGuard extends UploadGuard {
  constructor(public rules: AccessRules, public catalog: Catalog, public synchronizer: Synchronizer) {
    super();
  }

  refusal(owner: string, checked: CheckResult): string {
    const profile = this.rules.principal(owner.length > 0 ? "u:" + owner : "a").profile;
    if (profile.seesEverything && profile.may(RIGHT_READ)) return "";
    if (!checked.idsComparable) {
      return "its PatientID or StudyInstanceUID is not ASCII and its character set is not UTF-8 (ISO_IR 192), so it cannot be checked against the studies you may see";
    }
    this.synchronizer.sync(); // the catalog as Orthanc has it now
    const studies = this.catalog.studies.values();
    let patientSeen = false;
    let patientExists = false;
    for (let i = 0; i < studies.length; i++) {
      const study = studies[i];
      if (study.studyInstanceUid == checked.studyUid && !profile.sees(study)) {
        return "its StudyInstanceUID is that of a study in Orthanc that you may not see: it would be added to it";
      }
      if (study.patientId == checked.patientId) {
        patientExists = true;
        if (profile.sees(study)) patientSeen = true;
      }
    }
    if (patientExists && !patientSeen) {
      return "its PatientID is that of a patient in Orthanc of whom you may see no study: it would join that patient";
    }
    return "";
  }
}
