import { shareDateMs, formatHttpDate, formatRfc3339, parseHttpDate } from "../../assembly/httpdate";

describe("httpdate: dates of the listener's protocol", () => {
  it("writes share dates as HTTP dates and RFC 3339", () => {
    const ms = shareDateMs("19941106T084937");
    expect(formatHttpDate(ms)).toBe("Sun, 06 Nov 1994 08:49:37 GMT");
    expect(formatRfc3339(ms)).toBe("1994-11-06T08:49:37Z");
    expect(formatHttpDate(shareDateMs("20240102T030405"))).toBe("Tue, 02 Jan 2024 03:04:05 GMT");
    expect(formatHttpDate(0)).toBe("Thu, 01 Jan 1970 00:00:00 GMT");
  });
  it("agrees with the standard library's Date on every day from 1900 to 2100 (leap years, century rules)", () => {
    // the formatter computes the civil date itself (no allocation); Date is the oracle here
    const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    for (let ms: i64 = Date.UTC(1900, 0, 1, 23, 59, 58); ms < Date.UTC(2100, 11, 31); ms += 86400000 + 3001) {
      const date = new Date(ms);
      const day = date.getUTCDate().toString().padStart(2, "0");
      const year = date.getUTCFullYear().toString();
      const time = date.getUTCHours().toString().padStart(2, "0") + ":" + date.getUTCMinutes().toString().padStart(2, "0") +
        ":" + date.getUTCSeconds().toString().padStart(2, "0");
      const text = formatHttpDate(ms);
      expect(text.substring(5)).toBe(day + " " + MONTHS[date.getUTCMonth()] + " " + year + " " + time + " GMT");
      expect(parseHttpDate(text)).toBe(ms - ((ms % 1000) + 1000) % 1000); // whole seconds, floored
      expect(formatRfc3339(ms)).toBe(year + "-" + (date.getUTCMonth() + 1).toString().padStart(2, "0") + "-" + day + "T" + time + "Z");
    }
    expect(formatHttpDate(Date.UTC(2000, 1, 29))).toBe("Tue, 29 Feb 2000 00:00:00 GMT");
    expect(formatHttpDate(Date.UTC(2100, 2, 1))).toBe("Mon, 01 Mar 2100 00:00:00 GMT");
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
