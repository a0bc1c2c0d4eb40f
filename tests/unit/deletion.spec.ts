import { Config } from "../../assembly/config";
import { Share } from "../../assembly/share";
import { DeleteOutcome } from "../../assembly/codes";
import { Removal } from "../../assembly/resources";
import { FakeOrthanc, smallOrthanc } from "./helpers/orthanc";

let orthanc = smallOrthanc();
let share = new Share(new Config(), orthanc);

function withDeletes(allowed: bool): void {
  orthanc = smallOrthanc();
  const config = new Config();
  config.deleteAllowed = allowed;
  share = new Share(config, orthanc);
}

function remove(path: Array<string>): Removal {
  const principal = share.config.access.principal("");
  return share.request(path, principal).tree.remove(path);
}

function listed(path: Array<string>): i32 {
  const principal = share.config.access.principal("");
  const listing = share.request(path, principal).tree.list(path);
  return listing === null ? -1 : listing.entries.length;
}

describe("Deleting through the share, over a fake Orthanc", () => {
  it("refuses every delete in the views by default, and asks Orthanc nothing", () => {
    withDeletes(false);
    expect(<i32>remove(["by-studies", "P1 - N - One"]).outcome).toBe(<i32>DeleteOutcome.Refused);
    expect(orthanc.deletes.length).toBe(0);
    expect(share.catalog.studies.has("s1")).toBe(true);
  });

  it("refuses the root of a view even when deleting is allowed (the built-in empties the database)", () => {
    withDeletes(true);
    expect(<i32>remove(["by-studies"]).outcome).toBe(<i32>DeleteOutcome.Refused);
    expect(<i32>remove(["by-dates"]).outcome).toBe(<i32>DeleteOutcome.Refused);
    expect(<i32>remove(["uploads"]).outcome).toBe(<i32>DeleteOutcome.Refused);
    expect(<i32>remove([]).outcome).toBe(<i32>DeleteOutcome.Refused);
    expect(orthanc.deletes.length).toBe(0);
  });

  it("deletes a study folder with one DELETE at its level, and the next listing lacks it", () => {
    withDeletes(true);
    orthanc.deletable.add("/studies/s1");
    expect(listed(["by-studies"])).toBe(2);
    const removal = remove(["by-studies", "P1 - N - One"]);
    expect(<i32>removal.outcome).toBe(<i32>DeleteOutcome.Done);
    expect(orthanc.deletes).toStrictEqual(["/studies/s1"]);
    expect(removal.deleted.length).toBe(1);
    expect(removal.deleted[0].level).toBe(1);
    expect(removal.deleted[0].id).toBe("s1");
    expect(listed(["by-studies"])).toBe(1, "applied before Orthanc's Deleted event");
  });

  it("deletes the studies of a by-dates year", () => {
    withDeletes(true);
    orthanc.deletable.add("/studies/s2");
    expect(<i32>remove(["by-dates", "2021"]).outcome).toBe(<i32>DeleteOutcome.Done);
    expect(orthanc.deletes).toStrictEqual(["/studies/s2"]);
    expect(share.catalog.studies.has("s1")).toBe(true);
  });

  it("says Failed when Orthanc refuses, and keeps the study listed", () => {
    withDeletes(true);
    expect(<i32>remove(["by-uids", "1.1"]).outcome).toBe(<i32>DeleteOutcome.Failed);
    expect(orthanc.deletes).toStrictEqual(["/studies/s1"]);
    expect(share.catalog.studies.has("s1")).toBe(true);
  });

  it("answers Done with no effect for a missing path and for study.json (explorers delete file by file)", () => {
    withDeletes(true);
    expect(<i32>remove(["by-studies", "nobody"]).outcome).toBe(<i32>DeleteOutcome.Done);
    expect(<i32>remove(["by-uids", "1.1", "study.json"]).outcome).toBe(<i32>DeleteOutcome.Done);
    expect(orthanc.deletes.length).toBe(0);
  });

  it("deletes an instance file by its Orthanc id", () => {
    withDeletes(true);
    orthanc.deletable.add("/instances/i1");
    expect(<i32>remove(["by-uids", "1.1", "1.1.1", "1.1.1.1.dcm"]).outcome).toBe(<i32>DeleteOutcome.Done);
    expect(orthanc.deletes).toStrictEqual(["/instances/i1"]);
    expect(new FakeOrthanc().deletes.length).toBe(0);
  });
});
