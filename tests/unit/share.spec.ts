import { readConfiguration, Config } from "../../assembly/config";
import { Share } from "../../assembly/share";
import { Callback } from "../../assembly/codes";
import { UploadTree } from "../../assembly/uploadtree";
import { DicomTree } from "../../assembly/dicomtree";
import { smallOrthanc } from "./helpers/orthanc";

const RULES = "{\"AuthenticationEnabled\":true,\"RegisteredUsers\":{\"cardio\":\"pw\",\"admin\":\"pw\"},\"WebDavShare\":{\"AccessRules\":{\"Users\":{" +
  "\"cardio\":{\"See\":[{\"InstitutionName\":\"card*\"}],\"May\":[\"read\"]}," +
  "\"admin\":{\"See\":\"Everything\",\"May\":[\"read\",\"upload\"]}}}}}";

function names(share: Share, path: Array<string>, user: string): string {
  const principal = share.principal(user.length == 0 ? "" : "D1|u:" + user, "/webdav/" + path.join("/"), Callback.ListFolder, path);
  const listing = share.request(path, principal).tree.list(path);
  if (listing === null) return "(none)";
  const result = new Array<string>();
  for (let i = 0; i < listing.entries.length; i++) result.push(listing.entries[i].name);
  return result.sort().join(",");
}

describe("Share: one tree per request, chosen once", () => {
  it("sends uploads/ to the upload tree and skips the change log for it", () => {
    const orthanc = smallOrthanc();
    const share = new Share(new Config(), orthanc);
    const principal = share.config.access.principal("");
    expect(share.request(["uploads", "a.dcm"], principal).tree instanceof UploadTree).toBe(true);
    expect(orthanc.gets.length).toBe(0, "no catalog, no change log for uploads/");
    expect(share.request(["by-studies"], principal).tree instanceof DicomTree).toBe(true);
    expect(orthanc.asked("/changes?last")).toBe(1, "the catalog loads at the first request of the views");
  });

  it("with UploadAllowed false, uploads/ is no folder and the root does not list it", () => {
    const config = new Config();
    config.uploadAllowed = false;
    const share = new Share(config, smallOrthanc());
    expect(share.request(["uploads"], share.config.access.principal("")).tree instanceof DicomTree).toBe(true);
    expect(names(share, ["uploads"], "")).toBe("(none)");
    expect(names(share, [], "")).toBe("by-dates,by-patients,by-studies,by-uids");
  });

  it("under access rules, each user sees their own studies and their own uploads/", () => {
    const result = readConfiguration(RULES);
    expect(result.config.access.active).toBe(true);
    expect(result.config.access.invalid).toBe(false, "the rules are read");
    const share = new Share(result.config, smallOrthanc());
    expect(names(share, [], "admin")).toBe("by-dates,by-patients,by-studies,by-uids,uploads");
    expect(names(share, ["by-studies"], "admin")).toBe("P1 - N - One,P1 - N - Two");
    expect(names(share, [], "cardio")).toBe("by-dates,by-patients,by-studies,by-uids", "no upload right: no uploads/");
    expect(names(share, ["by-studies"], "cardio")).toBe("", "no study of a cardiology institution");
    expect(names(share, ["uploads"], "cardio")).toBe("(none)");
    expect(names(share, ["by-studies"], "")).toBe("", "no identity sees nothing");
  });

  it("an identity handed for another URI is nobody's", () => {
    const share = new Share(readConfiguration(RULES).config, smallOrthanc());
    const path = ["by-studies"];
    const principal = share.principal("D1|u:admin", "/webdav/by-patients", Callback.ListFolder, path);
    expect(principal.user).toBe("");
    expect(share.request(path, principal).tree.list(path)!.entries.length).toBe(0);
  });
});
