// The views kept up to date change by change must list exactly what views built from scratch
// on the same catalog list, after every change of a long random sequence (names chosen from
// small pools so that equal names, " (n)" suffixes and names like "X (1)" occur).
import { Catalog, Patient, Study, Series, RULE_TAGS } from "../../assembly/catalog";
import { Config } from "../../assembly/config";
import { Views, NO_DATE_FOLDER } from "../../assembly/views";
import { NoSource, describeEntry } from "./helpers/listing";
import { readAccessRules } from "../../assembly/access";
import { JSON } from "assemblyscript-json/assembly";

let seed: u32 = 12345;
function next(n: i32): i32 {
  seed = seed * 1103515245 + 12345;
  return <i32>((seed >> 8) % <u32>n);
}

const NAMES = ["Smith", "smith", "Doe", "Smith (1)", "Roe", "Poe", "Doe (2)"];
const DESCRIPTIONS = ["CT", "ct", "MR", "CT (1)", "X"];
const DATES = ["20200101", "20200215", "20210301", "", "2020"];
const INSTITUTIONS = ["Cardio", "Neuro"];

function makeStudy(id: string, patient: i32, version: i32): Study {
  const date = DATES[next(DATES.length)];
  const study = new Study(id, "p" + patient.toString(), "P" + patient.toString(), NAMES[patient % NAMES.length],
    date, DESCRIPTIONS[next(DESCRIPTIONS.length)], "1.2." + id, "2024010" + (version % 10).toString() + "T000000");
  const institution = INSTITUTIONS[next(2)];
  for (let i = 0; i < RULE_TAGS.length; i++) study.ruleTags.push(RULE_TAGS[i] == "InstitutionName" ? institution : "");
  return study;
}

/** A folder's listing as sorted lines (the order of a WebDAV listing carries no meaning). */
function listingOf(views: Views, path: Array<string>): string {
  const node = views.resolve(path);
  if (node === null) return path.join("/") + ": 404";
  const lines = views.list(node).entries.map<string>(describeEntry);
  lines.sort();
  return path.join("/") + ": " + lines.join(", ");
}

function folders(views: Views): Array<Array<string>> {
  const result: Array<Array<string>> = [["by-patients"], ["by-studies"], ["by-uids"], ["by-dates"], ["by-dates", NO_DATE_FOLDER]];
  const years = ["2020", "2021"];
  for (let i = 0; i < years.length; i++) result.push(["by-dates", years[i]]);
  const months = [["2020", "2020-01"], ["2020", "2020-02"], ["2021", "2021-03"]];
  for (let i = 0; i < months.length; i++) result.push(["by-dates", months[i][0], months[i][1]]);
  return result;
}

function compare(catalog: Catalog, kept: Views, profileJson: string, step: i32): void {
  const fresh = new Views(catalog, new Config(), new NoSource(), kept.scope);
  const paths = folders(fresh);
  // patient folders, as the fresh views name them
  const patients = fresh.resolve(["by-patients"])!;
  fresh.list(patients);
  for (let i = 0; i < paths.length; i++) {
    const want = listingOf(fresh, paths[i]);
    const got = listingOf(kept, paths[i]);
    if (want != got) {
      log("step " + step.toString() + " " + profileJson + " differs at " + paths[i].join("/"));
      log("want " + want);
      log("got  " + got);
    }
    expect(got).toBe(want);
  }
  // every patient folder of the fresh view resolves to the same listing in the kept one
  const ids = catalog.patients.keys();
  for (let i = 0; i < ids.length; i++) {
    const patient = catalog.patients.get(ids[i]);
    const name = patient.patientId + " - " + patient.patientName;
    expect(listingOf(kept, ["by-patients", name])).toBe(listingOf(fresh, ["by-patients", name]));
  }
}

describe("views kept up to date change by change", () => {
  it("list what views built from scratch list, after each of 400 random changes", () => {
    const catalog = new Catalog();
    const config = new Config();
    const kept = new Views(catalog, config, new NoSource());
    const rules = readAccessRules(JSON.parse("{\"Users\": {\"c\": {\"See\": [{\"InstitutionName\": \"cardio\"}], \"May\": [\"read\"]}}}"),
      <JSON.Obj>JSON.parse("{\"AuthenticationEnabled\": true}")).rules;
    const scoped = new Views(catalog, config, new NoSource(), rules.users.get("c"));
    let counter = 0;
    for (let step = 0; step < 400; step++) {
      const action = next(10);
      const ids = catalog.studies.keys();
      if (action < 5 || ids.length < 40) {
        // a new study (and series), sometimes of a new patient
        counter++;
        const id = "s" + counter.toString().padStart(4, "0");
        const patient = next(12);
        catalog.upsertStudy(makeStudy(id, patient, 0));
        catalog.upsertSeries(new Series("e" + id, id, "CT", "S", "1.3." + id, "20240101T000000"));
      } else if (action < 7) {
        catalog.removeStudy(ids[next(ids.length)]);
        catalog.pruneEmpty();
      } else if (action < 9) {
        // a study changes: its names or tags, or only its date
        const old = catalog.studies.get(ids[next(ids.length)]);
        const changed = action == 7 ? makeStudy(old.id, <i32>I32.parseInt(old.patientId.substring(1)), 1)
          : new Study(old.id, old.parentPatient, old.patientId, old.patientName, old.studyDate, old.studyDescription,
            old.studyInstanceUid, "20250101T00000" + next(10).toString());
        if (action == 8) changed.ruleTags = old.ruleTags;
        catalog.upsertStudy(changed);
      } else {
        // a patient is renamed
        const patientIds = catalog.patients.keys();
        const old = catalog.patients.get(patientIds[next(patientIds.length)]);
        catalog.upsertPatient(new Patient(old.id, old.patientId, NAMES[next(NAMES.length)], old.lastUpdate));
      }
      if (step % 10 == 9) {
        compare(catalog, kept, "all", step);
        compare(catalog, scoped, "scoped", step);
      }
    }
    expect(catalog.studies.size).toBeGreaterThan(32); // big enough for the kept indexes
  });
});
