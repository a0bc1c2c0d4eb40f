import { readConfiguration, ConfigOutcome, normalizeRoot } from "../../assembly/config";

describe("readConfiguration", () => {
  it("serves at /webdav when the core's share is off", () => {
    const result = readConfiguration("{\"WebDavEnabled\": false}");
    expect(<i32>result.outcome).toBe(<i32>ConfigOutcome.Serve);
    expect(result.config.root).toBe("/webdav");
    expect(result.config.deleteAllowed).toBe(false);
    expect(result.config.uploadAllowed).toBe(true);
  });
  it("refuses the root the core's share uses when that share is on (its default)", () => {
    expect(<i32>readConfiguration("{}").outcome).toBe(<i32>ConfigOutcome.Refused);
    expect(<i32>readConfiguration("{\"WebDavEnabled\": true}").outcome).toBe(<i32>ConfigOutcome.Refused);
    const elsewhere = readConfiguration("{\"WebDavShare\": {\"Root\": \"/share/\"}}");
    expect(<i32>elsewhere.outcome).toBe(<i32>ConfigOutcome.Serve);
    expect(elsewhere.config.root).toBe("/share");
  });
  it("reads every option", () => {
    const result = readConfiguration("{\"WebDavEnabled\": false, \"WebDavShare\": {\"DeleteAllowed\": true, \"UploadAllowed\": false, \"AsciiNames\": true, \"MaxCachedInstances\": 5000, \"ReconcileIntervalSeconds\": 3}}");
    expect(result.config.deleteAllowed).toBe(true);
    expect(result.config.uploadAllowed).toBe(false);
    expect(result.config.asciiNames).toBe(true);
    expect(result.config.maxCachedInstances).toBe(5000);
    expect(result.config.reconcileIntervalSeconds).toBe(3);
  });
  it("keeps the safe default for a wrong type", () => {
    const result = readConfiguration("{\"WebDavEnabled\": false, \"WebDavShare\": {\"DeleteAllowed\": \"yes\", \"MaxCachedInstances\": -4}}");
    expect(result.config.deleteAllowed).toBe(false);
    expect(result.config.maxCachedInstances).toBe(100000);
  });
  it("is disabled by Enable false, and refuses a section that is not an object", () => {
    expect(<i32>readConfiguration("{\"WebDavShare\": {\"Enable\": false}}").outcome).toBe(<i32>ConfigOutcome.Disabled);
    expect(<i32>readConfiguration("{\"WebDavEnabled\": false, \"WebDavShare\": 3}").outcome).toBe(<i32>ConfigOutcome.Refused);
  });
  it("refuses roots that are not plain URI paths", () => {
    expect(normalizeRoot("/")).toBeNull();
    expect(normalizeRoot("/a b")).toBeNull();
    expect(normalizeRoot("/a/../b")).toBeNull();
    expect(normalizeRoot("dav")).toBe("/dav");
  });
});
