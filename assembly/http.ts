// The listener's requests and answers as the module sees them (index.ts reads a request from
// the shim into an HttpRequest and writes an HttpAnswer back: docs/boundary.md).
import { BodyKind } from "./codes";
import { BodyPart, DeletedResource, StagedCopy } from "./resources";

export class HttpRequest {
  /** Header names in lower case; repeated headers joined by ", " (RFC 9110 5.3). */
  headers: Map<string, string> = new Map<string, string>();
  body: string = "";
  /** Free space where uploads are staged (the shim's statvfs): quota-available-bytes in uploads/. */
  freeBytes: u64 = 0;
  constructor(public method: string, public target: string, public peer: string, public tls: bool,
    public primary: bool) {}

  header(name: string): string {
    return this.headers.has(name) ? this.headers.get(name) : "";
  }

  addHeader(name: string, value: string): void {
    const key = name.toLowerCase();
    this.headers.set(key, this.headers.has(key) ? this.headers.get(key) + ", " + value : value);
  }
}

export class HttpAnswer {
  /** name, value, name, value... (Content-Length is the shim's, from `length`). */
  headers: Array<string> = new Array<string>();
  kind: BodyKind = BodyKind.None;
  /** The body's length as announced; u64.MAX_VALUE for a stream of unknown length (sent chunked). */
  length: u64 = 0;
  body: ArrayBuffer | null = null;
  /** Inline: bytes sent after `body`, as they are (a kept listing's written responses: not copied into one buffer first). */
  parts: Array<BodyPart> = new Array<BodyPart>();
  /** Instance or staged: what to read, from where, and the whole file's size. */
  source: string = "";
  offset: u64 = 0;
  total: u64 = 0;
  /** Instance: the shim keeps the file's bytes a while (a part was asked: the next part comes soon). */
  keep: bool = false;
  stream: u32 = 0;
  /** Copy: the staged bytes the shim writes again (source, target, record; resources.ts StagedCopy). */
  copies: Array<StagedCopy> = new Array<StagedCopy>();
  /** A DELETE in the DICOM views: the Orthanc resources it removed (the shim tells the other module instances). */
  deleted: Array<DeletedResource> = new Array<DeletedResource>();
  /** Milliseconds the shim waits before answering (a failed login). */
  delayMs: i32 = 0;
  constructor(public status: i32) {}

  header(name: string, value: string): HttpAnswer {
    this.headers.push(name);
    this.headers.push(value);
    return this;
  }

  kindOf(kind: BodyKind): HttpAnswer {
    this.kind = kind;
    return this;
  }

  /** HEAD: the headers and length of the GET, no bytes. */
  withoutBody(): HttpAnswer {
    this.kind = BodyKind.None;
    this.body = null;
    return this;
  }

  inline(text: string, type: string): HttpAnswer {
    const bytes = String.UTF8.encode(text);
    this.kind = BodyKind.Inline;
    this.body = bytes;
    this.length = <u64>bytes.byteLength;
    return this.header("Content-Type", type);
  }
}

/** A plain-text error answer: the reason only, never a request header echoed back. */
export function errorAnswer(status: i32, reason: string): HttpAnswer {
  return new HttpAnswer(status).inline(reason + "\n", "text/plain; charset=utf-8");
}
