import { sanitizeName, assignUniqueNames, Candidate, NamedChildren, truncateUtf8, foldKey, MAX_NAME_BYTES } from "../../assembly/naming";

describe("sanitizeName", () => {
  it("keeps Unicode", () => {
    expect(sanitizeName("Müller^Jörg", false)).toBe("Müller^Jörg");
    expect(sanitizeName("山田^太郎", false)).toBe("山田^太郎");
    expect(sanitizeName("🙂 smile", false)).toBe("🙂 smile");
  });
  it("drops non-ASCII when asked, as the built-in does", () => {
    expect(sanitizeName("Müller", true)).toBe("Mller");
    expect(sanitizeName("🙂 smile", true)).toBe("smile");
  });
  it("replaces every character Windows forbids, and control characters", () => {
    expect(sanitizeName("a\\b/c:d*e?f\"g<h>i|j", false)).toBe("a_b_c_d_e_f_g_h_i_j");
    expect(sanitizeName("tab\there\x01", false)).toBe("tab_here_");
  });
  it("trims both ends and keeps inner runs of spaces", () => {
    expect(sanitizeName("  MR - AX.  FSE PD  ", false)).toBe("MR - AX.  FSE PD");
    expect(sanitizeName("20200302 - ", false)).toBe("20200302 -");
  });
  it("replaces trailing dots, which Windows would drop", () => {
    expect(sanitizeName("Knee...", false)).toBe("Knee___");
    expect(sanitizeName("a.b", false)).toBe("a.b");
  });
  it("never gives an empty name", () => {
    expect(sanitizeName("", false)).toBe("_");
    expect(sanitizeName("   ", false)).toBe("_");
    expect(sanitizeName("ü", true)).toBe("_");
  });
  it("avoids Windows device names", () => {
    expect(sanitizeName("CON", false)).toBe("CON_");
    expect(sanitizeName("com1.txt", false)).toBe("com1.txt_");
    expect(sanitizeName("CONSOLE", false)).toBe("CONSOLE");
    expect(sanitizeName("COM0", false)).toBe("COM0");
  });
  it("replaces lone surrogates, which UTF-8 cannot carry", () => {
    expect(sanitizeName("a" + String.fromCharCode(0xd800) + "b", false)).toBe("a_b");
  });
  it("caps long names without cutting a character", () => {
    const long = "é".repeat(300);
    const name = sanitizeName(long, false);
    expect(String.UTF8.byteLength(name, false)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(name.length).toBe(MAX_NAME_BYTES / 2);
    expect(truncateUtf8("ab🙂", 5)).toBe("ab");
  });
});

describe("assignUniqueNames", () => {
  it("gives equal names (1), (2) ordered by id, whatever the input order", () => {
    const a = assignUniqueNames([new Candidate("X", "id-c"), new Candidate("X", "id-a"), new Candidate("X", "id-b")], "");
    const b = assignUniqueNames([new Candidate("X", "id-b"), new Candidate("X", "id-c"), new Candidate("X", "id-a")], "");
    expect(a.find("X")).toBe("id-a");
    expect(a.find("X (1)")).toBe("id-b");
    expect(a.find("X (2)")).toBe("id-c");
    expect(b.find("X (1)")).toBe("id-b");
  });
  it("treats names differing only by case as equal (Windows, macOS)", () => {
    const named = assignUniqueNames([new Candidate("abc", "2"), new Candidate("ABC", "1")], "");
    expect(named.size).toBe(2);
    expect(named.find("ABC")).toBe("1");
    expect(named.find("abc (1)")).toBe("2");
  });
  it("skips a suffix that another child already has", () => {
    const named = assignUniqueNames([new Candidate("X", "1"), new Candidate("X", "2"), new Candidate("X (1)", "3")], "");
    expect(named.find("X (1)")).toBe("3");
    expect(named.find("X")).toBe("1");
    expect(named.find("X (2)")).toBe("2");
  });
  it("puts the suffix before the extension", () => {
    const named = assignUniqueNames([new Candidate("1.2.3", "b"), new Candidate("1.2.3", "a")], ".dcm");
    expect(named.find("1.2.3.dcm")).toBe("a");
    expect(named.find("1.2.3 (1).dcm")).toBe("b");
  });
  it("finds nothing for unknown names", () => {
    const named = assignUniqueNames([new Candidate("X", "1")], "");
    expect(named.find("Y")).toBeNull();
    expect(foldKey("ÄB")).toBe("äb");
  });
});

/** Every child's name, "name=id" sorted, to compare two NamedChildren. */
function describeNames(named: NamedChildren): string {
  const lines = new Array<string>();
  for (let i = 0; i < named.size; i++) lines.push(named.nameAt(i) + "=" + named.idAt(i));
  lines.sort();
  return lines.join("\n");
}

/**
 * 120 equal names (differing in case), plus base names that look like their suffixes ("X (3)",
 * "x (7)"), added in a scrambled order, then half removed: after each step the names must be
 * those assignUniqueNames gives the same children. Returns how many steps asked for a rebuild.
 */
function churnGroup(extension: string): i32 {
  const all = new Array<Candidate>();
  for (let i = 0; i < 120; i++) all.push(new Candidate(i % 3 == 0 ? "x" : "X", "id-" + ((i * 37) % 120).toString().padStart(3, "0")));
  const present = new Array<Candidate>();
  present.push(new Candidate("X (3)", "z-1"));
  present.push(new Candidate("x (7)", "z-2"));
  const incremental = assignUniqueNames(present, extension);
  let rebuilds = 0;
  for (let i = 0; i < all.length; i++) {
    if (!incremental.addCandidate(all[i])) rebuilds++;
    present.push(all[i]);
    expect(describeNames(incremental)).toBe(describeNames(assignUniqueNames(present, extension)));
  }
  for (let i = 0; i < 60; i++) {
    const gone = present[2 + i]; // every other one of the equal names, as the list shrinks
    if (!incremental.removeCandidate(gone.id)) rebuilds++;
    present.splice(present.indexOf(gone), 1);
    expect(describeNames(incremental)).toBe(describeNames(assignUniqueNames(present, extension)));
  }
  expect(incremental.find("X (3)" + extension)).toBe("z-1");
  expect(incremental.size).toBe(62);
  return rebuilds;
}

describe("NamedChildren kept up to date child by child", () => {
  it("names a large group of equal names, with suffix-like names among them, as a rebuild does", () => {
    expect(churnGroup("")).toBe(0);
    expect(churnGroup(".dcm")).toBe(0);
  });
  it("asks for a rebuild when a name like a suffix comes or goes", () => {
    const named = assignUniqueNames([new Candidate("x", "1"), new Candidate("x", "2")], "");
    expect(named.find("x (1)")).toBe("2");
    expect(named.addCandidate(new Candidate("x (1)", "3"))).toBe(false);
    const rebuilt = assignUniqueNames([new Candidate("x", "1"), new Candidate("x", "2"), new Candidate("x (1)", "3")], "");
    expect(rebuilt.find("x (1)")).toBe("3");
    expect(rebuilt.find("x (2)")).toBe("2");
    expect(rebuilt.removeCandidate("3")).toBe(false);
  });
});
