import {
  globMatches, readAccessRules, decideRequest, belongsToRequest, normalizedComponents, pathBelowRoot,
  AccessRules, METHOD_GET, METHOD_POST, METHOD_PUT, METHOD_DELETE, RIGHT_UPLOAD,
} from "../../assembly/access";
import { readConfiguration, ConfigOutcome } from "../../assembly/config";
import { Catalog, Patient, Study, Series, RULE_TAGS } from "../../assembly/catalog";
import { Config } from "../../assembly/config";
import { Views, NO_DATE_FOLDER } from "../../assembly/views";
import { NoSource, entryName } from "./helpers/listing";
import { encodeRecord, decodeRecord, Uploads, StoreAction } from "../../assembly/uploads";
import { JSON } from "assemblyscript-json/assembly";

const SHARE_ROOT = "/webdav";
const STATUS = "/webdav-share/status";

/** Orthanc's RegisteredUsers of these tests: every user's password is "secret". */
const REGISTERED = "\"RegisteredUsers\": {\"cardio\": \"secret\", \"Jörg\": \"secret\", \"a\": \"secret\", \"admin\": \"secret\", " +
  "\"deleter\": \"secret\", \"reader\": \"secret\", \"stranger\": \"secret\", \"uploader\": \"secret\", \"neuro\": \"secret\", \"neuro:ops\": \"secret\"}";

function rulesOf(json: string, authenticated: bool = true): AccessRules {
  const orthanc = <JSON.Obj>JSON.parse("{\"AuthenticationEnabled\": " + (authenticated ? "true" : "false") + ", " + REGISTERED + "}");
  const result = readAccessRules(JSON.parse(json), orthanc);
  return result.rules;
}

function errorOf(json: string): string {
  return readAccessRules(JSON.parse(json), <JSON.Obj>JSON.parse("{\"AuthenticationEnabled\": true}")).error;
}

/** "Basic base64(user:secret)". */
function basic(user: string): string {
  const table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const bytes = Uint8Array.wrap(String.UTF8.encode(user + ":secret"));
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = <i32>bytes[i];
    const b1 = i + 1 < bytes.length ? <i32>bytes[i + 1] : 0;
    const b2 = i + 2 < bytes.length ? <i32>bytes[i + 2] : 0;
    out += table.charAt(b0 >> 2) + table.charAt(((b0 & 3) << 4) | (b1 >> 4));
    out += i + 1 < bytes.length ? table.charAt(((b1 & 15) << 2) | (b2 >> 6)) : "=";
    out += i + 2 < bytes.length ? table.charAt(b2 & 63) : "=";
  }
  return "Basic " + out;
}

function tagged(id: string, patientId: string, institution: string, description: string, date: string): Study {
  const study = new Study(id, "p-" + patientId, patientId, "Name^" + patientId, date, description, "1.2." + id, "20240101T000000");
  for (let i = 0; i < RULE_TAGS.length; i++) {
    const tag = RULE_TAGS[i];
    study.ruleTags.push(tag == "PatientID" ? patientId : tag == "InstitutionName" ? institution
      : tag == "StudyDescription" ? description : tag == "StudyDate" ? date : "");
  }
  return study;
}

describe("globMatches", () => {
  it("matches * and ? (both sides lower-cased by the caller)", () => {
    expect(globMatches("cardio*", "cardiology east")).toBe(true);
    expect(globMatches("*east", "cardiology east")).toBe(true);
    expect(globMatches("c?rdio*", "cardio")).toBe(true);
    expect(globMatches("*trial-42*", "study trial-42 arm b")).toBe(true);
    expect(globMatches("cardio", "cardiology")).toBe(false);
    expect(globMatches("?", "")).toBe(false);
    expect(globMatches("*", "")).toBe(true);
    expect(globMatches("a*b*c", "axxbyyc")).toBe(true);
    expect(globMatches("a*b*c", "axxbyy")).toBe(false);
  });
});

describe("readAccessRules", () => {
  it("is inactive without AccessRules", () => {
    const result = readAccessRules(null, <JSON.Obj>JSON.parse("{}"));
    expect(result.rules.active).toBe(false);
    expect(result.error).toBe("");
  });
  it("reads users, matchers, rights and the defaults", () => {
    const rules = rulesOf("{\"Users\": {\"cardio\": {\"See\": [{\"InstitutionName\": \"Cardio*\"}], \"May\": [\"read\", \"upload\"]}, \"admin\": \"Unrestricted\"}}");
    expect(rules.active).toBe(true);
    expect(rules.invalid).toBe(false);
    expect(rules.users.get("cardio").may(RIGHT_UPLOAD)).toBe(true);
    expect(rules.users.get("admin").unrestricted).toBe(true);
    // the safe defaults: other users and anonymous see nothing
    expect(rules.otherUsers.matchers.length).toBe(0);
    expect(rules.otherUsers.seesEverything).toBe(false);
    expect(rules.anonymous.rights).toBe(0);
    expect(rules.restApiShareOnly).toBe(true);
  });
  it("refuses what it cannot read, saying where", () => {
    expect(errorOf("{\"Users\": {\"x\": {\"See\": [{\"Institution\": \"A\"}], \"May\": [\"read\"]}}}").includes("Users.x.See[0].Institution is not a tag")).toBe(true, "Users.x.See[0].Institution is not a tag");
    expect(errorOf("{\"Users\": {\"x\": {\"See\": [{}], \"May\": [\"read\"]}}}").includes("is empty")).toBe(true, "is empty");
    expect(errorOf("{\"Users\": {\"x\": {\"See\": \"Everything\", \"May\": [\"write\"]}}}").includes("May[0]")).toBe(true, "May[0]");
    expect(errorOf("{\"Users\": {\"x\": {\"May\": [\"read\"]}}}").includes("See is missing")).toBe(true, "See is missing");
    expect(errorOf("{\"Users\": {\"x\": \"Everyone\"}}").includes("Users.x must be")).toBe(true, "Users.x must be");
    expect(errorOf("{\"Users\": {\"x\": {\"See\": \"Everything\", \"May\": [], \"Extra\": 1}}}").includes("Extra is not a rule")).toBe(true, "Extra is not a rule");
    expect(errorOf("{\"RestApi\": \"Closed\"}").includes("RestApi")).toBe(true, "RestApi");
    expect(errorOf("{\"Groups\": {}}").includes("Groups is not known")).toBe(true, "Groups is not known");
    expect(errorOf("[]").includes("must be an object")).toBe(true, "must be an object");
  });
  it("invalid rules refuse every request, and the share is not served", () => {
    const result = readConfiguration("{\"WebDavEnabled\": false, \"AuthenticationEnabled\": true, \"WebDavShare\": {\"AccessRules\": {\"Users\": {\"a\": 3}}}}");
    expect(<i32>result.outcome).toBe(<i32>ConfigOutcome.Refused);
    expect(result.config.access.invalid).toBe(true);
    const decision = decideRequest(result.config.access, METHOD_GET, "/webdav/by-studies", basic("a"), SHARE_ROOT, STATUS, true, true);
    expect(decision.allowed).toBe(false);
    expect(decideRequest(result.config.access, METHOD_GET, "/system", "", SHARE_ROOT, STATUS, true, true).allowed).toBe(false);
  });
});

describe("identity", () => {
  it("takes the user name from a Basic credential Orthanc checked", () => {
    const rules = rulesOf("{\"Users\": {\"cardio\": \"Nothing\"}}");
    expect(rules.identityOf(basic("cardio"))).toBe("u:cardio");
    expect(rules.identityOf(basic("Jörg"))).toBe("u:Jörg");
    expect(rules.identityOf("Bearer abc")).toBe("");
    expect(rules.identityOf("Basic !!!!")).toBe("");
    expect(rules.identityOf("Basic =")).toBe("");
    expect(rules.identityOf(basic("nobody-registered"))).toBe("", "a credential Orthanc would not accept");
    expect(rules.identityOf("")).toBe("");
    expect(rules.principal("u:cardio").profile.name).toBe("user cardio");
    expect(rules.principal("u:someone").profile.name).toBe("OtherUsers");
    expect(rules.principal("").profile).toBe(rules.nobody);
    expect(rules.principal("x").profile).toBe(rules.nobody);
  });
  it("a user whose name holds a colon is that user, not the name before the colon", () => {
    const rules = rulesOf("{\"Users\": {\"neuro\": \"Unrestricted\"}}");
    expect(rules.identityOf(basic("neuro:ops"))).toBe("u:neuro:ops");
    expect(rules.principal("u:neuro:ops").profile.name).toBe("OtherUsers");
    expect(rules.identityOf(basic("neuro"))).toBe("u:neuro");
  });
  it("trusts no name when Orthanc does not authenticate: everyone is Anonymous", () => {
    const rules = rulesOf("{\"Users\": {\"admin\": \"Unrestricted\"}}", false);
    expect(rules.identityOf(basic("admin"))).toBe("a");
    expect(rules.principal("a").profile).toBe(rules.anonymous);
  });
  it("an identity is used only by the callbacks of the URI the filter saw", () => {
    expect(belongsToRequest("/webdav/by-studies/A B", SHARE_ROOT, ["by-studies", "A B"])).toBe(true);
    expect(belongsToRequest("/webdav//by-studies/./A B/", SHARE_ROOT, ["by-studies", "A B"])).toBe(true);
    expect(belongsToRequest("/webdav/by-studies/A B", SHARE_ROOT, ["by-studies", "C"])).toBe(false);
    expect(belongsToRequest("/patients", SHARE_ROOT, [])).toBe(false);
    expect(belongsToRequest("", SHARE_ROOT, ["by-studies"])).toBe(false);
  });
  it("normalizes URIs as the server resolves them", () => {
    expect(normalizedComponents("/webdav/../patients").join("/")).toBe("patients");
    expect(pathBelowRoot("/webdav/../patients", SHARE_ROOT)).toBeNull();
    expect(pathBelowRoot("/webdavx/a", SHARE_ROOT)).toBeNull();
    expect(pathBelowRoot("/webdav", SHARE_ROOT)!.length).toBe(0);
  });
});

const RIGHTS_JSON = "{\"Users\": {\"reader\": {\"See\": \"Everything\", \"May\": [\"read\"]}, " +
    "\"uploader\": {\"See\": [], \"May\": [\"upload\"], \"StatusRoute\": true}, " +
    "\"deleter\": {\"See\": \"Everything\", \"May\": [\"read\", \"delete\"]}, \"admin\": \"Unrestricted\"}}";

describe("decideRequest", () => {
  it("lets reading through and refuses writes without the right", () => {
    const rules = rulesOf(RIGHTS_JSON);
    const reader = basic("reader");
    expect(decideRequest(rules, METHOD_GET, "/webdav/by-studies", reader, SHARE_ROOT, STATUS, true, true).allowed).toBe(true);
    expect(decideRequest(rules, METHOD_PUT, "/webdav/uploads/a.dcm", reader, SHARE_ROOT, STATUS, true, true).allowed).toBe(false);
    expect(decideRequest(rules, METHOD_DELETE, "/webdav/by-studies/x", reader, SHARE_ROOT, STATUS, true, true).allowed).toBe(false);
    expect(decideRequest(rules, METHOD_POST, "/webdav/by-studies", reader, SHARE_ROOT, STATUS, true, true).allowed).toBe(false);
    expect(rules.users.get("reader").refused).toBe(3);
  });
  it("upload and delete rights, still bounded by UploadAllowed and DeleteAllowed", () => {
    const rules = rulesOf(RIGHTS_JSON);
    expect(decideRequest(rules, METHOD_PUT, "/webdav/uploads/a.dcm", basic("uploader"), SHARE_ROOT, STATUS, true, true).allowed).toBe(true);
    expect(decideRequest(rules, METHOD_PUT, "/webdav/uploads/a.dcm", basic("uploader"), SHARE_ROOT, STATUS, false, true).allowed).toBe(false);
    expect(decideRequest(rules, METHOD_PUT, "/webdav/by-studies/a.dcm", basic("uploader"), SHARE_ROOT, STATUS, true, true).allowed).toBe(false);
    expect(decideRequest(rules, METHOD_DELETE, "/webdav/uploads/a.error.txt", basic("uploader"), SHARE_ROOT, STATUS, true, true).allowed).toBe(true);
    expect(decideRequest(rules, METHOD_DELETE, "/webdav/by-studies/x", basic("deleter"), SHARE_ROOT, STATUS, true, true).allowed).toBe(true);
    expect(decideRequest(rules, METHOD_DELETE, "/webdav/by-studies/x", basic("deleter"), SHARE_ROOT, STATUS, true, false).allowed).toBe(false);
  });
  it("users with rules reach only the share and, if allowed, the status route", () => {
    const rules = rulesOf(RIGHTS_JSON);
    expect(decideRequest(rules, METHOD_GET, "/patients", basic("reader"), SHARE_ROOT, STATUS, true, true).allowed).toBe(false);
    expect(decideRequest(rules, METHOD_GET, "/webdav/../patients", basic("reader"), SHARE_ROOT, STATUS, true, true).allowed).toBe(false);
    expect(decideRequest(rules, METHOD_GET, STATUS, basic("reader"), SHARE_ROOT, STATUS, true, true).allowed).toBe(false);
    expect(decideRequest(rules, METHOD_GET, STATUS, basic("uploader"), SHARE_ROOT, STATUS, true, true).allowed).toBe(true);
    expect(decideRequest(rules, METHOD_GET, "/patients", basic("admin"), SHARE_ROOT, STATUS, true, true).allowed).toBe(true);
    expect(decideRequest(rules, METHOD_GET, "/patients", basic("stranger"), SHARE_ROOT, STATUS, true, true).allowed).toBe(false);
    const open = rulesOf("{\"RestApi\": \"Open\", \"Users\": {\"reader\": {\"See\": \"Everything\", \"May\": [\"read\"]}}}");
    expect(decideRequest(open, METHOD_GET, "/patients", basic("reader"), SHARE_ROOT, STATUS, true, true).allowed).toBe(true);
  });
});

function listedNames(views: Views, path: Array<string>): Array<string> {
  const node = views.resolve(path);
  if (node === null) return ["(404)"];
  return views.list(node).entries.map<string>(entryName);
}

describe("scoped views", () => {
  it("show only the studies a profile sees, in every view, without revealing the others", () => {
    const catalog = new Catalog();
    catalog.upsertPatient(new Patient("p-P1", "P1", "Name^P1", "20240101T000000"));
    catalog.upsertStudy(tagged("a", "P1", "Cardio East", "Echo", "20200302"));
    catalog.upsertStudy(tagged("b", "P1", "Neuro", "MRI", "20210405"));
    catalog.upsertStudy(tagged("c", "P2", "Neuro", "MRI", ""));
    catalog.upsertSeries(new Series("e1", "a", "US", "Echo", "1.2.a.1", "20240101T000000"));
    catalog.upsertSeries(new Series("e2", "b", "MR", "T1", "1.2.b.1", "20240101T000000"));
    const rules = rulesOf("{\"Users\": {\"cardio\": {\"See\": [{\"InstitutionName\": \"cardio*\"}], \"May\": [\"read\"]}}}");
    const cardio = new Views(catalog, new Config(), new NoSource(), rules.users.get("cardio"));
    const all = new Views(catalog, new Config(), new NoSource());
    expect(listedNames(all, ["by-patients"]).length).toBe(2);
    expect(listedNames(cardio, ["by-patients"]).join("|")).toBe("P1 - Name^P1");
    expect(listedNames(cardio, ["by-patients", "P1 - Name^P1"]).join("|")).toBe("20200302 - Echo");
    expect(listedNames(cardio, ["by-studies"]).join("|")).toBe("P1 - Name^P1 - Echo");
    expect(listedNames(cardio, ["by-dates"]).join("|")).toBe("2020");
    expect(listedNames(cardio, ["by-dates", "2021"]).join("|")).toBe("(404)");
    expect(listedNames(cardio, ["by-dates", NO_DATE_FOLDER]).join("|")).toBe("(404)");
    expect(listedNames(cardio, ["by-uids"]).join("|")).toBe("1.2.a");
    expect(listedNames(cardio, ["by-uids", "1.2.b"]).join("|")).toBe("(404)");
    expect(listedNames(cardio, ["by-patients", "P1 - Name^P1", "20210405 - MRI"]).join("|")).toBe("(404)");
    expect(listedNames(cardio, ["by-studies", "P1 - Name^P1 - MRI", "MR - T1"]).join("|")).toBe("(404)");
    // uploads/ is shown only to those who may upload
    expect(listedNames(cardio, []).includes("uploads")).toBe(false);
    expect(listedNames(all, []).includes("uploads")).toBe(true);
    expect(cardio.resolve(["uploads"])).toBeNull();
  });
  it("name suffixes are computed over what the profile sees", () => {
    const catalog = new Catalog();
    catalog.upsertStudy(tagged("a", "P1", "Neuro", "Same", "20200302"));
    catalog.upsertStudy(tagged("b", "P1", "Cardio", "Same", "20200302"));
    const rules = rulesOf("{\"Users\": {\"cardio\": {\"See\": [{\"InstitutionName\": \"cardio\"}], \"May\": [\"read\"]}}}");
    const cardio = new Views(catalog, new Config(), new NoSource(), rules.users.get("cardio"));
    const all = new Views(catalog, new Config(), new NoSource());
    expect(listedNames(all, ["by-studies"]).length).toBe(2);
    expect(listedNames(cardio, ["by-studies"]).join("|")).toBe("P1 - Name^P1 - Same");
  });
});

describe("upload records", () => {
  it("keep the owner with the path, and read the path alone without one", () => {
    const record = encodeRecord("Jörg:x", "cd/IM1");
    const decoded = decodeRecord(record)!;
    expect(decoded.owner).toBe("Jörg:x");
    expect(decoded.path).toBe("cd/IM1");
    expect(decodeRecord("cd/IM1")!.owner).toBe("");
    expect(decodeRecord("\u00019:ab")).toBeNull();
  });
  it("each owner has an uploads/ of their own", () => {
    const u = new Uploads(64, 1000, 1000, 1000);
    const decision = u.store(["uploads", "cd", "IM1"], 10, "20240101T000000", 0, "alice");
    expect(<i32>decision.action).toBe(<i32>StoreAction.Stage);
    expect(decodeRecord(decision.record)!.owner).toBe("alice");
    expect(u.find(["uploads", "cd", "IM1"], "alice")).not.toBeNull();
    expect(u.find(["uploads", "cd", "IM1"], "bob")).toBeNull();
    expect(u.find(["uploads", "cd"], "bob")).toBeNull();
    expect(u.rootOf("bob").children.size).toBe(0);
    // bob deleting the same path changes nothing of alice's
    expect(u.delete(["uploads", "cd"], "bob")).toBe(true);
    expect(u.find(["uploads", "cd", "IM1"], "alice")).not.toBeNull();
    // a restart gives the upload back to its owner
    const again = new Uploads(64, 1000, 1000, 1000);
    again.restore("1-1", decision.record, 10, "20240101T000000", 0);
    expect(again.find(["uploads", "cd", "IM1"], "alice")).not.toBeNull();
    expect(again.find(["uploads", "cd", "IM1"], "")).toBeNull();
  });
});
