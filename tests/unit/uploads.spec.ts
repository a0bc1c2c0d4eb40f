import { Uploads, StoreAction, EntryKind, isNewer, isSystemJunk, isAcceptableName } from "../../assembly/uploads";
import { MoveOutcome } from "../../assembly/resources";
import { JobOutcome } from "../../assembly/codes";
import { INVALID_COMPONENT, isValidUtf8 } from "../../assembly/wire";

function uploads(): Uploads {
  return new Uploads(64, 1000, 1000, 1000);
}

describe("Uploads", () => {
  it("stages a file, lists it pending, and hands it to a worker once durable", () => {
    const u = uploads();
    const decision = u.store(["uploads", "a", "b.dcm"], 10, "20240101T000000", 0);
    expect(<i32>decision.action).toBe(<i32>StoreAction.Stage);
    expect(decision.record).toBe("a/b.dcm");
    expect(u.nextJob()).toBeNull(); // not durable yet
    u.staged(decision.stagingId, true);
    expect(u.nextJob()!.stagingId).toBe(decision.stagingId);
    expect(u.pending).toBe(1);
  });
  it("moves and copies a file while it is being checked: the copy names the source's bytes, the moved file's fate follows it", () => {
    const u = uploads();
    const decision = u.store(["uploads", "src", "a.dcm"], 10, "20240101T000000", 0);
    u.staged(decision.stagingId, true);
    const job = u.nextJob()!;
    expect(job.running).toBe(true);
    expect(u.find(["uploads", "dst"])).toBeNull();
    const copied = u.copy(["uploads", "src"], ["uploads", "dst"], false, true, "20240101T000000", 0);
    expect(<i32>copied.outcome).toBe(<i32>MoveOutcome.Moved, "a COPY is not refused because an import runs in it");
    expect(copied.copies.length).toBe(1);
    expect(copied.copies[0].source).toBe(decision.stagingId);
    expect(copied.copies[0].target).not.toBe(decision.stagingId);
    expect(<i32>u.move(["uploads", "src"], ["uploads", "moved"], false, 0)).toBe(<i32>MoveOutcome.Moved);
    u.finish(decision.stagingId, JobOutcome.Imported, "", 1);
    expect(<i32>u.find(["uploads", "moved", "a.dcm"])!.kind).toBe(<i32>EntryKind.Imported);
    expect(u.find(["uploads", "src"])).toBeNull();
  });
  it("refuses paths outside uploads/ and bad names, accepts and drops junk", () => {
    const u = uploads();
    expect(<i32>u.store(["by-studies", "x.dcm"], 1, "", 0).action).toBe(<i32>StoreAction.Refuse);
    expect(<i32>u.store(["uploads", ".."], 1, "", 0).action).toBe(<i32>StoreAction.Refuse);
    expect(<i32>u.store(["uploads", "._x"], 1, "", 0).action).toBe(<i32>StoreAction.Accept);
    expect(u.junkDropped).toBe(1);
    expect(isSystemJunk("Thumbs.db")).toBe(true);
    expect(isSystemJunk("thumbs.dcm")).toBe(false);
    expect(isAcceptableName("名前 ✓.dcm")).toBe(true);
    expect(isAcceptableName("a\\\\b")).toBe(false);
  });
  it("keeps a zero-byte file listed, then stages its rewrite", () => {
    const u = uploads();
    expect(<i32>u.store(["uploads", "e.dcm"], 0, "", 0).action).toBe(<i32>StoreAction.Accept);
    expect(<i32>u.find(["uploads", "e.dcm"])!.kind).toBe(<i32>EntryKind.Empty);
    expect(<i32>u.store(["uploads", "e.dcm"], 5, "", 0).action).toBe(<i32>StoreAction.Stage);
    expect(<i32>u.find(["uploads", "e.dcm"])!.kind).toBe(<i32>EntryKind.Pending);
  });
  it("replacing a pending file discards the old staged bytes", () => {
    const u = uploads();
    const first = u.store(["uploads", "r.dcm"], 5, "", 0);
    u.staged(first.stagingId, true);
    const second = u.store(["uploads", "r.dcm"], 6, "", 1);
    expect(u.discarded.includes(first.stagingId)).toBe(true);
    u.staged(second.stagingId, true);
    expect(u.nextJob()!.stagingId).toBe(second.stagingId);
    expect(u.nextJob()).toBeNull();
  });
  it("restores the newer of two staged versions of one path, whatever the scan order", () => {
    const u = uploads();
    u.restore("200-1", "d/r.dcm", 5, "", 0);
    u.restore("100-7", "d/r.dcm", 5, "", 0);
    expect(u.nextJob()!.stagingId).toBe("200-1");
    expect(u.nextJob()).toBeNull();
    expect(u.discarded.includes("100-7")).toBe(true);
    expect(isNewer("1000-2", "999-9")).toBe(true);
    expect(isNewer("1000-2", "1000-10")).toBe(false);
  });
  it("removes idle empty folders and never-rewritten empty files", () => {
    const u = uploads();
    u.makeFolder(["uploads", "f"], "", 0);
    u.store(["uploads", "g", "e.dcm"], 0, "", 0);
    u.tidy(500);
    expect(u.find(["uploads", "f"])).not.toBeNull();
    u.tidy(5000);
    expect(u.find(["uploads", "f"])).toBeNull();
    expect(u.find(["uploads", "g", "e.dcm"])).toBeNull();
    u.tidy(10000);
    expect(u.find(["uploads", "g"])).toBeNull();
  });
});

describe("path components that are not UTF-8", () => {
  it("are refused as names for PUT and MKCOL", () => {
    const uploads = new Uploads(64, 1000, 1000, 1000);
    expect(uploads.makeFolder(["uploads", INVALID_COMPONENT], "20240101T000000", 0)).toBe(false);
    expect(<i32>uploads.store(["uploads", "a", INVALID_COMPONENT], 10, "20240101T000000", 0).action).toBe(<i32>StoreAction.Refuse);
  });
  it("are told from valid UTF-8 strictly", () => {
    expect(utf8Valid([0x78, 0x2d, 0xc3, 0xa9])).toBe(true); // "x-é"
    expect(utf8Valid([0xf0, 0x9f, 0x99, 0x82])).toBe(true); // 🙂
    expect(utf8Valid([0x78, 0xff])).toBe(false);
    expect(utf8Valid([0xed, 0xa0, 0x80])).toBe(false); // a surrogate
    expect(utf8Valid([0xc0, 0xaf])).toBe(false); // overlong "/"
    expect(utf8Valid([0xe2, 0x82])).toBe(false); // cut short
    expect(utf8Valid([0xf4, 0x90, 0x80, 0x80])).toBe(false); // above U+10FFFF
  });
});

function utf8Valid(values: Array<i32>): bool {
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) bytes[i] = <u8>values[i];
  return isValidUtf8(bytes.dataStart, <usize>bytes.length);
}
