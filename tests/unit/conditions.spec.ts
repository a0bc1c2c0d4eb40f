import { evaluatePreconditions, Precondition, selectRange, RangeKind } from "../../assembly/conditions";
import { parseHttpDate } from "../../assembly/httpdate";

const TAG = "\"abc-10\"";
const DATE = "Sun, 06 Nov 1994 08:49:37 GMT";

describe("conditions: RFC 9110 13.2.2", () => {
  it("If-Match: strong comparison, * for any current tag; 412 otherwise", () => {
    const ms = parseHttpDate(DATE);
    expect(evaluatePreconditions(TAG, "", "", "", TAG, ms)).toBe(Precondition.Proceed);
    expect(evaluatePreconditions("\"x\", " + TAG, "", "", "", TAG, ms)).toBe(Precondition.Proceed);
    expect(evaluatePreconditions("W/" + TAG, "", "", "", TAG, ms)).toBe(Precondition.Failed);
    expect(evaluatePreconditions("\"x\"", "", "", "", TAG, ms)).toBe(Precondition.Failed);
    expect(evaluatePreconditions("*", "", "", "", "", ms)).toBe(Precondition.Failed, "* on a folder (no tag)");
  });

  it("If-None-Match: weak comparison, 304; it takes precedence over If-Modified-Since", () => {
    const ms = parseHttpDate(DATE);
    expect(evaluatePreconditions("", "", "W/" + TAG, "", TAG, ms)).toBe(Precondition.NotModified);
    expect(evaluatePreconditions("", "", "\"other\"", DATE, TAG, ms)).toBe(Precondition.Proceed);
    expect(evaluatePreconditions("", "", "", DATE, TAG, ms)).toBe(Precondition.NotModified);
    expect(evaluatePreconditions("", "", "", "Sun, 06 Nov 1994 08:49:36 GMT", TAG, ms)).toBe(Precondition.Proceed);
    expect(evaluatePreconditions("", "", "", "yesterday", TAG, ms)).toBe(Precondition.Proceed, "a date it cannot read is ignored");
  });

  it("If-Unmodified-Since: 412 when modified after", () => {
    const ms = parseHttpDate(DATE);
    expect(evaluatePreconditions("", "Sun, 06 Nov 1994 08:49:36 GMT", "", "", TAG, ms)).toBe(Precondition.Failed);
    expect(evaluatePreconditions("", DATE, "", "", TAG, ms)).toBe(Precondition.Proceed);
  });
});

describe("conditions: single byte ranges", () => {
  it("reads first-last, first-, -suffix; clamps the end", () => {
    let range = selectRange("bytes=10-19", "", TAG, DATE, 100);
    expect(range.kind).toBe(RangeKind.Part);
    expect(range.start).toBe(10);
    expect(range.length).toBe(10);
    range = selectRange("bytes=90-", "", TAG, DATE, 100);
    expect(range.length).toBe(10);
    range = selectRange("bytes=-30", "", TAG, DATE, 100);
    expect(range.start).toBe(70);
    range = selectRange("bytes=-300", "", TAG, DATE, 100);
    expect(range.start).toBe(0);
    expect(range.length).toBe(100);
    range = selectRange("bytes=95-1000", "", TAG, DATE, 100);
    expect(range.length).toBe(5);
  });

  it("416 when nothing of it is there; the whole for what it does not serve", () => {
    expect(selectRange("bytes=100-", "", TAG, DATE, 100).kind).toBe(RangeKind.Unsatisfiable);
    expect(selectRange("bytes=-0", "", TAG, DATE, 100).kind).toBe(RangeKind.Unsatisfiable);
    const ignored = ["items=1-2", "bytes=1-2,5-6", "bytes=5-2", "bytes=a-", "bytes=-", ""];
    for (let i = 0; i < ignored.length; i++) expect(selectRange(ignored[i], "", TAG, DATE, 100).kind).toBe(RangeKind.Whole, ignored[i]);
  });

  it("If-Range keeps the range only for the current tag or the exact date", () => {
    expect(selectRange("bytes=0-1", TAG, TAG, DATE, 100).kind).toBe(RangeKind.Part);
    expect(selectRange("bytes=0-1", DATE, TAG, DATE, 100).kind).toBe(RangeKind.Part);
    expect(selectRange("bytes=0-1", "\"old\"", TAG, DATE, 100).kind).toBe(RangeKind.Whole);
    expect(selectRange("bytes=0-1", "Sun, 06 Nov 1994 08:49:38 GMT", TAG, DATE, 100).kind).toBe(RangeKind.Whole);
  });
});
