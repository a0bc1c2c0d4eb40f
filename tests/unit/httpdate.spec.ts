import { shareDateMs, formatHttpDate, formatRfc3339, parseHttpDate } from "../../assembly/httpdate";

describe("httpdate: dates of the listener's protocol", () => {
  it("writes share dates as HTTP dates and RFC 3339", () => {
    const ms = shareDateMs("19941106T084937");
    expect(formatHttpDate(ms)).toBe("Sun, 06 Nov 1994 08:49:37 GMT");
    expect(formatRfc3339(ms)).toBe("1994-11-06T08:49:37Z");
    expect(formatHttpDate(shareDateMs("20240102T030405"))).toBe("Tue, 02 Jan 2024 03:04:05 GMT");
    expect(formatHttpDate(0)).toBe("Thu, 01 Jan 1970 00:00:00 GMT");
  });
  it("reads IMF-fixdate back, and nothing else", () => {
    expect(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT")).toBe(shareDateMs("19941106T084937"));
    expect(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT")).toBe(-1);
    expect(parseHttpDate("Sun, 06 Foo 1994 08:49:37 GMT")).toBe(-1);
    expect(parseHttpDate("")).toBe(-1);
  });
  it("refuses what is no share date", () => {
    expect(shareDateMs("")).toBe(-1);
    expect(shareDateMs("20241301T000000")).toBe(-1);
    expect(shareDateMs("2024-01-01T00:00")).toBe(-1);
  });
});
