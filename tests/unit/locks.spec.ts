import { LockTable, timeoutOf, isBelow, MAX_TIMEOUT_SECONDS } from "../../assembly/locks";
import { readIfHeader } from "../../assembly/ifheader";

describe("locks: the table", () => {
  it("covers its resource, and what is below with Depth infinity; conflicts as RFC 4918 6.1 says", () => {
    const table = new LockTable(42);
    const folder = table.add("uploads/cd", true, false, "", "a", 60, 1000);
    expect(folder.covers("uploads/cd")).toBe(true);
    expect(folder.covers("uploads/cd/x.dcm")).toBe(true);
    expect(folder.covers("uploads/cdx")).toBe(false, "a sibling whose name starts alike");
    expect(table.conflicts("uploads/cd/x.dcm", false, false)).toBe(false, "shared with shared");
    expect(table.conflicts("uploads/cd/x.dcm", false, true)).toBe(true, "exclusive with shared");
    expect(table.conflicts("uploads", true, false)).toBe(false, "shared infinity above a shared lock");
    const other = table.add("uploads/other", false, true, "", "a", 60, 1000);
    expect(table.conflicts("uploads", true, false)).toBe(true, "infinity above an exclusive lock");
    expect(other.token != folder.token).toBe(true);
    expect(other.token.startsWith("urn:uuid:")).toBe(true);
    expect(other.token.length).toBe(45, "urn:uuid: and 36 characters");
    expect(isBelow("uploads/a", "")).toBe(true, "everything is below the root");
  });

  it("expires locks at their timeout, drops a deleted resource's locks, bounds timeouts", () => {
    const table = new LockTable(1);
    table.add("uploads/a", false, true, "", "a", 10, 0);
    table.add("uploads/a/b", false, true, "", "a", 100, 0);
    table.add("uploads/c", false, true, "", "a", 100, 0);
    table.expire(10000);
    expect(table.size).toBe(2);
    table.removeAt("uploads/a");
    expect(table.size).toBe(1);
    expect(timeoutOf("Second-600")).toBe(600);
    expect(timeoutOf("Infinite, Second-4100000000")).toBe(MAX_TIMEOUT_SECONDS);
    expect(timeoutOf("Second-99999999999")).toBe(MAX_TIMEOUT_SECONDS);
    expect(timeoutOf("")).toBe(MAX_TIMEOUT_SECONDS);
  });
});

describe("ifheader: RFC 4918 10.4", () => {
  it("reads untagged and tagged lists, Not, state tokens and entity tags", () => {
    const header = readIfHeader("(<urn:uuid:1> [\"e1\"]) (Not <DAV:no-lock>)");
    expect(header.error).toBe("");
    expect(header.lists.length).toBe(2);
    expect(header.lists[0].conditions.length).toBe(2);
    expect(header.lists[0].conditions[1].entityTag).toBe("\"e1\"");
    expect(header.lists[1].conditions[0].not).toBe(true);
    expect(header.submittedTokens().join(",")).toBe("urn:uuid:1", "a token under Not is not submitted");
    const tagged = readIfHeader("<http://h/webdav/uploads/a> (<urn:uuid:2>) <http://h/webdav/uploads/b> ([\"x\"])");
    expect(tagged.lists.length).toBe(2);
    expect(tagged.lists[1].resource).toBe("http://h/webdav/uploads/b");
  });

  it("refuses what is not a list of conditions", () => {
    const bad = ["(", "()", "<x>", "urn:uuid:1", "(<urn:uuid:1>", "(Not)", "(<a>) garbage"];
    for (let i = 0; i < bad.length; i++) expect(readIfHeader(bad[i]).error.length > 0).toBe(true, bad[i]);
    expect(readIfHeader("").lists.length).toBe(0);
  });
});
