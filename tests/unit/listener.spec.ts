import { readConfiguration } from "../../assembly/config";
import { Share } from "../../assembly/share";
import { Listener, HttpRequest, HttpAnswer } from "../../assembly/listener";
import { BodyKind } from "../../assembly/codes";
import { ByteWriter } from "../../assembly/wire";
import { smallOrthanc, FakeOrthanc, patientJson, studyJson, emptyChanges } from "./helpers/orthanc";

const LOGIN = "{\"AuthenticationEnabled\":true,\"RegisteredUsers\":{\"ann\":\"secret\"}}";

function listenerOf(configuration: string): Listener {
  const config = readConfiguration(configuration).config;
  return new Listener(new Share(config, smallOrthanc()), config.login, config.maxInfinityEntries);
}

function ask(listener: Listener, method: string, target: string, depth: string = "", primary: bool = true,
  peer: string = "127.0.0.1", authorization: string = "", range: string = ""): HttpAnswer {
  const request = new HttpRequest(method, target, peer, false, primary);
  if (depth.length > 0) request.addHeader("Depth", depth);
  if (authorization.length > 0) request.addHeader("Authorization", authorization);
  if (range.length > 0) request.addHeader("Range", range);
  return listener.handle(request, 1000);
}

/** The bytes of an answer as the shim sends them: its body, then its parts. */
function text(answer: HttpAnswer): string {
  const body = answer.body;
  let whole = body === null ? "" : String.UTF8.decode(body);
  for (let i = 0; i < answer.parts.length; i++) whole += String.UTF8.decode(answer.parts[i].bytes.slice(0, answer.parts[i].size));
  return whole;
}

function header(answer: HttpAnswer, name: string): string {
  for (let i = 0; i + 1 < answer.headers.length; i += 2) if (answer.headers[i] == name) return answer.headers[i + 1];
  return "";
}

/** An Orthanc with one patient and `count` studies ("Study 0" ..), enough for views.ts to keep the big folders. */
function wideOrthanc(count: i32): FakeOrthanc {
  const o = new FakeOrthanc();
  const studies = new Array<string>();
  for (let i = 0; i < count; i++) {
    studies.push(studyJson("s" + i.toString(), "p1", "P1", "2020030" + (i % 9 + 1).toString(), "Study " + i.toString() + " é&<", "1.9." + i.toString()));
  }
  return o.answer("/changes?last", "{\"Last\":10}")
    .answer("/changes?since=10&limit=1000", emptyChanges(10))
    .answer("/patients?expand&since=0&limit=1000", "[" + patientJson("p1", "P1", "N") + "]")
    .answer("/studies?expand&since=0&limit=1000", "[" + studies.join(",") + "]")
    .answer("/series?expand&since=0&limit=1000", "[]");
}

/** The whole body of an answer, its later chunks fetched. */
function wholeBody(listener: Listener, first: HttpAnswer): string {
  let joined = text(first);
  if (first.kind != BodyKind.Stream) return joined;
  for (;;) {
    const chunk = new ByteWriter(16);
    if (!listener.continueStream(first.stream, 1000, chunk)) break;
    joined += chunk.toText();
  }
  return joined;
}

/** A PUT asked of `listener`, with this Content-Length ("" for none) and If-None-Match. */
function putOf(listener: Listener, target: string, length: string, condition: string = ""): HttpAnswer {
  const request = new HttpRequest("PUT", target, "127.0.0.1", false, true);
  if (length.length > 0) request.addHeader("Content-Length", length);
  if (condition.length > 0) request.addHeader("If-None-Match", condition);
  return listener.handle(request, 1000);
}

const LOCKINFO = "<?xml version=\"1.0\"?><D:lockinfo xmlns:D=\"DAV:\"><D:lockscope><D:exclusive/></D:lockscope>" +
  "<D:locktype><D:write/></D:locktype><D:owner><D:href>mailto:ann@example.org</D:href></D:owner></D:lockinfo>";

/** A request with a body and headers (name, value, name, value...), asked of `listener`. */
function send(listener: Listener, method: string, target: string, body: string, headers: Array<string>): HttpAnswer {
  const request = new HttpRequest(method, target, "127.0.0.1", false, true);
  request.body = body;
  for (let i = 0; i + 1 < headers.length; i += 2) request.addHeader(headers[i], headers[i + 1]);
  return listener.handle(request, 1000);
}

/** The status of a MOVE from `from` to `destination` asked of `listener` at Host 127.0.0.1:8043. */
function moveTo(listener: Listener, from: string, destination: string, overwrite: string = ""): i32 {
  const request = new HttpRequest("MOVE", from, "127.0.0.1", false, true);
  request.addHeader("Host", "127.0.0.1:8043");
  request.addHeader("Destination", destination);
  if (overwrite.length > 0) request.addHeader("Overwrite", overwrite);
  return listener.handle(request, 1000).status;
}

describe("Listener: who may ask", () => {
  it("401 with Basic without a login; wrong passwords wait longer each time, counted by the first instance", () => {
    const listener = listenerOf(LOGIN);
    const none = ask(listener, "PROPFIND", "/webdav/", "0");
    expect(none.status).toBe(401);
    expect(header(none, "WWW-Authenticate").startsWith("Basic ")).toBe(true);
    expect(none.delayMs).toBe(0, "no credentials: no wait (clients ask first without)");
    const wrong = "Basic " + "YW5uOndyb25n"; // ann:wrong
    expect(ask(listener, "PROPFIND", "/webdav/", "0", false, "127.0.0.1", wrong).kind).toBe(BodyKind.Primary);
    expect(ask(listener, "PROPFIND", "/webdav/", "0", true, "127.0.0.1", wrong).delayMs).toBe(200);
    expect(ask(listener, "PROPFIND", "/webdav/", "0", true, "127.0.0.1", wrong).delayMs).toBe(400);
    const right = "Basic " + "YW5uOnNlY3JldA=="; // ann:secret
    expect(ask(listener, "PROPFIND", "/webdav/", "0", true, "127.0.0.1", right).status).toBe(207);
  });

  it("only 127.0.0.1 without RemoteAccessAllowed (::1 and 127.0.0.2 are remote for Orthanc)", () => {
    const listener = listenerOf("{}");
    expect(ask(listener, "OPTIONS", "/webdav/").status).toBe(200);
    expect(ask(listener, "OPTIONS", "/webdav/", "", true, "::1").status).toBe(403);
    expect(ask(listener, "OPTIONS", "/webdav/", "", true, "127.0.0.2").status).toBe(403);
    expect(ask(listenerOf("{\"RemoteAccessAllowed\":true,\"AuthenticationEnabled\":false}"), "OPTIONS", "/webdav/", "", true, "10.1.2.3").status).toBe(200);
  });
});

describe("Listener: reading", () => {
  it("quota-available-bytes: the staging disk's free space in uploads/, 0 in the views", () => {
    const listener = listenerOf("{}");
    const quota = "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:quota-available-bytes/></D:prop></D:propfind>";
    const inUploads = new HttpRequest("PROPFIND", "/webdav/uploads/", "127.0.0.1", false, true);
    inUploads.addHeader("Depth", "0");
    inUploads.body = quota;
    inUploads.freeBytes = 5 << 20;
    expect(text(listener.handle(inUploads, 1000)).includes("<D:quota-available-bytes>5242880</D:quota-available-bytes>")).toBe(true);
    const inViews = new HttpRequest("PROPFIND", "/webdav/by-uids/", "127.0.0.1", false, true);
    inViews.addHeader("Depth", "0");
    inViews.body = quota;
    inViews.freeBytes = 5 << 20;
    expect(text(listener.handle(inViews, 1000)).includes("<D:quota-available-bytes>0</D:quota-available-bytes>")).toBe(true);
  });

  it("PROPFIND Depth 1 of the root lists the views with collection hrefs", () => {
    const answer = ask(listenerOf("{}"), "PROPFIND", "/webdav", "1");
    expect(answer.status).toBe(207);
    const body = text(answer);
    expect(body.includes("<D:href>/webdav/</D:href>")).toBe(true);
    expect(body.includes("<D:href>/webdav/by-uids/</D:href>")).toBe(true);
    expect(body.endsWith("</D:multistatus>")).toBe(true);
  });

  it("a streamed Depth infinity gives, chunk by chunk, exactly the answer written at once", () => {
    const once = listenerOf("{}");
    once.firstChunkBytes = 1 << 20;
    const wholeAnswer = ask(once, "PROPFIND", "/webdav/by-uids/", "infinity");
    expect(wholeAnswer.kind).toBe(BodyKind.Inline, "written at once");
    const whole = text(wholeAnswer);
    const listener = listenerOf("{}");
    listener.chunkBytes = 100;
    listener.firstChunkBytes = 100;
    const first = ask(listener, "PROPFIND", "/webdav/by-uids/", "infinity");
    expect(first.kind).toBe(BodyKind.Stream);
    let joined = text(first);
    let chunks = 1;
    for (;;) {
      const chunk = new ByteWriter(16);
      if (!listener.continueStream(first.stream, 1000, chunk)) break;
      joined += chunk.toText();
      chunks++;
    }
    expect(chunks > 3).toBe(true, "several chunks");
    expect(joined).toBe(whole);
    expect(joined.includes(".dcm</D:href>")).toBe(true, "down to the instances");
    expect(listener.openStreams).toBe(0, "a finished stream is forgotten");
  });

  it("a big Depth 1 is written once, announces its length, and another propfind gets its own answer", () => {
    const config = readConfiguration("{}").config;
    const listener = new Listener(new Share(config, wideOrthanc(40)), config.login, config.maxInfinityEntries);
    listener.chunkBytes = 1000;
    listener.firstChunkBytes = 1000;
    const first = ask(listener, "PROPFIND", "/webdav/by-studies/", "1");
    expect(first.kind).toBe(BodyKind.Inline, "one answer: the head, then the kept responses as they are");
    const body = wholeBody(listener, first);
    expect(<i64>first.length).toBe(<i64>String.UTF8.byteLength(body), "Content-Length is the body's length");
    expect(body.endsWith("</D:multistatus>")).toBe(true);
    let responses = 0;
    for (let at = body.indexOf("<D:response>"); at >= 0; at = body.indexOf("<D:response>", at + 1)) responses++;
    expect(responses).toBe(41, "the folder and its 40 studies");
    expect(body.includes("%20%C3%A9%26_/</D:href>")).toBe(true, "names percent-encoded in hrefs (naming.ts made \"<\" a \"_\")");
    expect(body.includes(" é&amp;_</D:displayname>")).toBe(true, "and escaped in displayname");
    // the second time comes from the listing's kept responses: the same bytes, under the same kept id
    const keptId = first.parts[0].keptId;
    expect(keptId).toBeGreaterThan(0, "the responses are a kept part the shim may hold on to");
    const second = ask(listener, "PROPFIND", "/webdav/by-studies/", "1");
    expect(wholeBody(listener, second)).toBe(body);
    expect(second.parts[0].keptId).toBe(keptId);
    expect(second.parts[1].keptId).toBe(0, "the multistatus end is sent as bytes");
    const named = new HttpRequest("PROPFIND", "/webdav/by-studies/", "127.0.0.1", false, true);
    named.addHeader("Depth", "1");
    named.body = "<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\"><D:prop><D:displayname/></D:prop></D:propfind>";
    const namedAnswer = listener.handle(named, 1000);
    const other = wholeBody(listener, namedAnswer);
    expect(other.includes("<D:displayname>")).toBe(true);
    expect(other.includes("<D:getlastmodified>")).toBe(false, "not the kept allprop answer");
    expect(namedAnswer.parts[0].keptId).not.toBe(keptId, "other bytes never come under an id given before");
    // the href is part of what is kept: the same folder asked without its trailing slash
    const again = ask(listener, "PROPFIND", "/webdav/by-studies", "1");
    expect(wholeBody(listener, again)).toBe(body);
    expect(again.parts[0].keptId).not.toBe(keptId, "written again: a new id, though the bytes are the same");
    expect(again.parts[0].keptId).not.toBe(namedAnswer.parts[0].keptId);
  });

  it("Depth infinity beyond MaxInfinityEntries: 403 propfind-finite-depth, nothing streamed", () => {
    const listener = listenerOf("{\"WebDavShare\":{\"Listener\":{\"MaxInfinityEntries\":2}}}");
    const answer = ask(listener, "PROPFIND", "/webdav/by-uids/");
    expect(answer.status).toBe(403);
    expect(text(answer).includes("<D:propfind-finite-depth/>")).toBe(true);
    expect(listener.openStreams).toBe(0);
  });

  it("GET names the instance and the range for the shim; HEAD announces the length only", () => {
    const listener = listenerOf("{}");
    const path = "/webdav/by-uids/1.1/1.1.1/1.1.1.1.dcm";
    const whole = ask(listener, "GET", path);
    expect(whole.status).toBe(200);
    expect(whole.kind).toBe(BodyKind.Instance);
    expect(whole.source).toBe("i1");
    expect(whole.total).toBe(1234);
    expect(whole.keep).toBe(false, "a whole file is not kept by the shim");
    const part = ask(listener, "GET", path, "", true, "127.0.0.1", "", "bytes=1000-");
    expect(part.status).toBe(206);
    expect(part.keep).toBe(true, "a part is: the next part comes soon");
    expect(part.offset).toBe(1000);
    expect(part.length).toBe(234);
    expect(header(part, "Content-Range")).toBe("bytes 1000-1233/1234");
    const head = ask(listener, "HEAD", path);
    expect(head.kind).toBe(BodyKind.None);
    expect(head.length).toBe(1234);
  });

  it("a reader instance hands uploads/ to the first; writes are 405 with the reason", () => {
    const listener = listenerOf("{}");
    expect(ask(listener, "PROPFIND", "/webdav/uploads/", "1", false).kind).toBe(BodyKind.Primary);
    expect(ask(listener, "PROPFIND", "/webdav/", "infinity", false).kind).toBe(BodyKind.Primary);
    expect(ask(listener, "PROPFIND", "/webdav/by-uids/", "1", false).status).toBe(207);
    const post = ask(listener, "POST", "/webdav/uploads/a.dcm");
    expect(post.status).toBe(405);
    expect(header(post, "Allow").includes("MKCOL")).toBe(true, "uploads/ says what it takes");
    expect(ask(listener, "BREW", "/webdav/").status).toBe(501);
  });

  it("PUT in uploads/: Receive with a staging id for bytes; 409, 405, 411, 412 as RFC 4918 and 9110 say", () => {
    const listener = listenerOf("{}");
    const staged = putOf(listener, "/webdav/uploads/a.dcm", "1234");
    expect(staged.status).toBe(201);
    expect(staged.kind).toBe(BodyKind.Receive);
    expect(staged.source.length > 0).toBe(true, "a staging id");
    expect(<i64>staged.total).toBe(1234);
    expect(text(staged).includes("a.dcm")).toBe(true, "the record names where it was put");
    expect(putOf(listener, "/webdav/uploads/none/a.dcm", "10").status).toBe(409);
    expect(putOf(listener, "/webdav/uploads/b.dcm", "").status).toBe(411);
    expect(ask(listener, "MKCOL", "/webdav/uploads/f").status).toBe(201);
    expect(putOf(listener, "/webdav/uploads/f", "10").status).toBe(405, "onto a folder");
    expect(putOf(listener, "/webdav/uploads/a.dcm", "10", "*").status).toBe(412, "If-None-Match: * and it exists");
    expect(putOf(listener, "/webdav/uploads/empty.txt", "0").kind).toBe(BodyKind.None, "nothing to stage");
    expect(putOf(listener, "/webdav/by-uids/x.dcm", "10").status).toBe(403);
  });

  it("LOCK: an unmapped name in uploads/ becomes an empty locked file; writes need the token; refresh, UNLOCK", () => {
    const listener = listenerOf("{}");
    const locked = send(listener, "LOCK", "/webdav/uploads/new.dcm", LOCKINFO, ["Depth", "0", "Timeout", "Second-600"]);
    expect(locked.status).toBe(201, "RFC 4918 7.3: the name is created");
    const token = header(locked, "Lock-Token");
    expect(token.startsWith("<urn:uuid:")).toBe(true);
    const body = text(locked);
    expect(body.includes("<D:lockroot><D:href>/webdav/uploads/new.dcm</D:href></D:lockroot>")).toBe(true);
    expect(body.includes("<D:owner><D:href>mailto:ann@example.org</D:href></D:owner>")).toBe(true);
    expect(body.includes("<D:timeout>Second-600</D:timeout>")).toBe(true);
    expect(ask(listener, "PROPFIND", "/webdav/uploads/new.dcm", "0").status).toBe(207, "the empty file exists");
    expect(text(ask(listener, "PROPFIND", "/webdav/uploads/new.dcm", "0")).includes(token.substring(1, token.length - 1))).toBe(true,
      "lockdiscovery reports the lock");

    expect(putOf(listener, "/webdav/uploads/new.dcm", "10").status).toBe(423, "no token submitted");
    const withToken = send(listener, "PUT", "/webdav/uploads/new.dcm", "", ["Content-Length", "10", "If", "(" + token + ")"]);
    expect(withToken.kind).toBe(BodyKind.Receive, "the token opens it");
    expect(send(listener, "PUT", "/webdav/uploads/new.dcm", "", ["Content-Length", "10", "If", "(<urn:uuid:00000000-0000-4000-8000-000000000000>)"]).status)
      .toBe(412, "an If header that does not hold");
    expect(send(listener, "LOCK", "/webdav/uploads/new.dcm", LOCKINFO, ["Depth", "0"]).status).toBe(423, "exclusive meets exclusive");
    expect(ask(listener, "DELETE", "/webdav/uploads").status).toBe(403);
    const refreshed = send(listener, "LOCK", "/webdav/uploads/new.dcm", "", ["If", "(" + token + ")", "Timeout", "Second-60"]);
    expect(refreshed.status).toBe(200);
    expect(text(refreshed).includes("<D:timeout>Second-60</D:timeout>")).toBe(true);
    expect(send(listener, "LOCK", "/webdav/uploads/new.dcm", "", []).status).toBe(412, "a refresh names its lock");
    expect(send(listener, "UNLOCK", "/webdav/uploads/new.dcm", "", ["Lock-Token", "<urn:uuid:nope>"]).status).toBe(409);
    expect(send(listener, "UNLOCK", "/webdav/uploads/new.dcm", "", ["Lock-Token", token]).status).toBe(204);
    expect(send(listener, "LOCK", "/webdav/uploads/new.dcm", LOCKINFO, ["Depth", "0"]).status).toBe(200, "unlocked: it can be locked again");
  });

  it("a Depth infinity lock on a folder guards what is in it; the views are locked without being written", () => {
    const listener = listenerOf("{}");
    expect(ask(listener, "MKCOL", "/webdav/uploads/cd").status).toBe(201);
    const locked = send(listener, "LOCK", "/webdav/uploads/cd", LOCKINFO, []);
    expect(locked.status).toBe(200);
    const token = header(locked, "Lock-Token");
    expect(putOf(listener, "/webdav/uploads/cd/a.dcm", "10").status).toBe(423, "inside the locked folder");
    expect(ask(listener, "MKCOL", "/webdav/uploads/cd/sub").status).toBe(423);
    expect(ask(listener, "DELETE", "/webdav/uploads/cd").status).toBe(423);
    expect(moveTo(listener, "/webdav/uploads/cd", "/webdav/uploads/elsewhere")).toBe(423);
    const refused = send(listener, "DELETE", "/webdav/uploads/cd", "", []);
    expect(text(refused).includes("<D:lock-token-submitted><D:href>/webdav/uploads/cd</D:href>")).toBe(true);
    expect(send(listener, "DELETE", "/webdav/uploads/cd", "", ["If", "(" + token + ")"]).status).toBe(204);
    expect(send(listener, "LOCK", "/webdav/uploads/cd", LOCKINFO, []).status).toBe(201, "the lock went with the folder: the name is free");

    const view = send(listener, "LOCK", "/webdav/by-uids/1.1", LOCKINFO, ["Depth", "0"]);
    expect(view.status).toBe(200, "a study folder is locked (Finder and Explorer mount read-write)");
    expect(send(listener, "LOCK", "/webdav/by-uids/9.9.9", LOCKINFO, []).status).toBe(403, "nothing is created in the views");
    expect(send(listener, "LOCK", "/webdav/uploads/x", "<D:lockinfo xmlns:D=\"DAV:\"/>", []).status).toBe(400);
  });

  it("PROPPATCH: dead properties in uploads/ kept, reported, moved and dropped; protected ones 403 and the rest 424; Win32 in the views", () => {
    const listener = listenerOf("{}");
    expect(ask(listener, "MKCOL", "/webdav/uploads/f").status).toBe(201);
    const update = "<?xml version=\"1.0\"?><D:propertyupdate xmlns:D=\"DAV:\" xmlns:Z=\"urn:schemas-microsoft-com:\"><D:set><D:prop>" +
      "<Z:Win32LastModifiedTime>Wed, 02 Dec 2026 10:00:00 GMT</Z:Win32LastModifiedTime><k xmlns=\"urn:k\">v &amp; w</k></D:prop></D:set></D:propertyupdate>";
    const set = send(listener, "PROPPATCH", "/webdav/uploads/f", update, []);
    expect(set.status).toBe(207);
    expect(text(set).includes("HTTP/1.1 200 OK")).toBe(true);
    const asked = "<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\"><D:prop><k xmlns=\"urn:k\"/></D:prop></D:propfind>";
    const found = text(send(listener, "PROPFIND", "/webdav/uploads/f", asked, ["Depth", "0"]));
    expect(found.includes("<k xmlns=\"urn:k\">v &amp; w</k>")).toBe(true, "the value as set");
    expect(text(send(listener, "PROPFIND", "/webdav/uploads/", asked, ["Depth", "1"])).includes("v &amp; w")).toBe(true, "and in its folder's listing");

    const protectedToo = "<D:propertyupdate xmlns:D=\"DAV:\"><D:set><D:prop><D:getetag>x</D:getetag><m xmlns=\"urn:k\">1</m></D:prop></D:set></D:propertyupdate>";
    const refused = text(send(listener, "PROPPATCH", "/webdav/uploads/f", protectedToo, []));
    expect(refused.includes("HTTP/1.1 403 Forbidden")).toBe(true);
    expect(refused.includes("HTTP/1.1 424 Failed Dependency")).toBe(true);
    const m = "<D:propfind xmlns:D=\"DAV:\"><D:prop><m xmlns=\"urn:k\"/></D:prop></D:propfind>";
    expect(text(send(listener, "PROPFIND", "/webdav/uploads/f", m, ["Depth", "0"])).includes("404 Not Found")).toBe(true, "all or nothing");

    expect(moveTo(listener, "/webdav/uploads/f", "/webdav/uploads/g")).toBe(201);
    expect(text(send(listener, "PROPFIND", "/webdav/uploads/g", asked, ["Depth", "0"])).includes("v &amp; w")).toBe(true, "moved with it");
    expect(ask(listener, "DELETE", "/webdav/uploads/g").status).toBe(204);
    expect(ask(listener, "MKCOL", "/webdav/uploads/g").status).toBe(201);
    expect(text(send(listener, "PROPFIND", "/webdav/uploads/g", asked, ["Depth", "0"])).includes("v &amp; w")).toBe(false, "deleted with it");

    const win32 = "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:Z=\"urn:schemas-microsoft-com:\"><D:set><D:prop><Z:Win32FileAttributes>00000020</Z:Win32FileAttributes></D:prop></D:set></D:propertyupdate>";
    expect(text(send(listener, "PROPPATCH", "/webdav/by-uids/1.1", win32, [])).includes("200 OK")).toBe(true, "Explorer's Win32 times in the views");
    const other = "<D:propertyupdate xmlns:D=\"DAV:\"><D:set><D:prop><k xmlns=\"urn:k\">1</k></D:prop></D:set></D:propertyupdate>";
    expect(text(send(listener, "PROPPATCH", "/webdav/by-uids/1.1", other, [])).includes("403 Forbidden")).toBe(true);
  });

  it("COPY in uploads/: folders with Depth 0 or infinity, staged files as Copy for the shim, Overwrite, 403 into the views", () => {
    const listener = listenerOf("{}");
    expect(ask(listener, "MKCOL", "/webdav/uploads/src").status).toBe(201);
    expect(ask(listener, "MKCOL", "/webdav/uploads/src/sub").status).toBe(201);
    const staged = putOf(listener, "/webdav/uploads/src/sub/a.dcm", "100");
    listener.share.uploads.staged(staged.source, true); // what the shim says once the bytes are durable
    const deep = send(listener, "COPY", "/webdav/uploads/src", "", ["Destination", "/webdav/uploads/dst"]);
    expect(deep.status).toBe(201);
    expect(deep.kind).toBe(BodyKind.Copy, "a staged file's bytes to copy");
    expect(deep.copies.length).toBe(1);
    expect(deep.copies[0].source).toBe(staged.source);
    expect(deep.copies[0].target != staged.source).toBe(true, "the copy has its own staging id");
    listener.share.uploads.staged(deep.copies[0].target, true);
    expect(ask(listener, "PROPFIND", "/webdav/uploads/dst/sub/a.dcm", "0").status).toBe(207);
    const shallow = send(listener, "COPY", "/webdav/uploads/src", "", ["Destination", "/webdav/uploads/flat", "Depth", "0"]);
    expect(shallow.status).toBe(201);
    expect(ask(listener, "PROPFIND", "/webdav/uploads/flat/sub", "0").status).toBe(404, "Depth 0: the folder alone");
    expect(send(listener, "COPY", "/webdav/uploads/src", "", ["Destination", "/webdav/uploads/dst", "Overwrite", "F"]).status).toBe(412);
    expect(send(listener, "COPY", "/webdav/uploads/src", "", ["Destination", "/webdav/uploads/dst"]).status).toBe(204);
    expect(send(listener, "COPY", "/webdav/uploads/src", "", ["Destination", "/webdav/uploads/x", "Depth", "1"]).status).toBe(400);
    expect(send(listener, "COPY", "/webdav/uploads/src", "", ["Destination", "/webdav/by-uids/x"]).status).toBe(403);
    expect(send(listener, "COPY", "/webdav/uploads/src", "", ["Destination", "/webdav/uploads/none/x"]).status).toBe(409);
  });

  it("MKCOL, DELETE and MOVE in uploads/ answer as RFC 4918 says; the views and the root refuse them", () => {
    const listener = listenerOf("{}");
    expect(ask(listener, "MKCOL", "/webdav/uploads/a/b").status).toBe(409, "no parent: 409, not created on the way");
    expect(ask(listener, "MKCOL", "/webdav/uploads/a").status).toBe(201);
    expect(ask(listener, "MKCOL", "/webdav/uploads/a").status).toBe(405, "exists");
    expect(ask(listener, "MKCOL", "/webdav/uploads/a/b").status).toBe(201);
    const withBody = new HttpRequest("MKCOL", "/webdav/uploads/c", "127.0.0.1", false, true);
    withBody.body = "<x/>";
    expect(listener.handle(withBody, 1000).status).toBe(415);
    expect(ask(listener, "PROPFIND", "/webdav/uploads/c", "0").status).toBe(404, "the refused MKCOL created nothing");

    expect(moveTo(listener, "/webdav/uploads/a/b", "/webdav/uploads/New%20name")).toBe(201);
    expect(ask(listener, "PROPFIND", "/webdav/uploads/New%20name/", "0").status).toBe(207);
    expect(ask(listener, "PROPFIND", "/webdav/uploads/a/b/", "0").status).toBe(404);
    expect(moveTo(listener, "/webdav/uploads/New%20name", "http://127.0.0.1:8043/webdav/uploads/a", "F")).toBe(412);
    expect(moveTo(listener, "/webdav/uploads/New%20name", "http://127.0.0.1:8043/webdav/uploads/a")).toBe(204, "replaced");
    expect(moveTo(listener, "/webdav/uploads/a", "http://elsewhere:8043/webdav/uploads/x")).toBe(502);
    expect(moveTo(listener, "/webdav/uploads/a", "/webdav/uploads/none/x")).toBe(409);
    expect(moveTo(listener, "/webdav/uploads/a", "/webdav/uploads/a/inside")).toBe(403);
    expect(moveTo(listener, "/webdav/uploads/a", "/webdav/by-uids/x")).toBe(403, "into the views");
    expect(moveTo(listener, "/webdav/uploads/missing", "/webdav/uploads/x")).toBe(404);
    expect(moveTo(listener, "/webdav/uploads/a", "/webdav/uploads/x", "maybe")).toBe(400);
    expect(moveTo(listener, "/webdav/by-uids/1.1", "/webdav/uploads/x")).toBe(403, "out of the views");

    expect(ask(listener, "DELETE", "/webdav/uploads/nothing").status).toBe(404);
    expect(ask(listener, "DELETE", "/webdav/uploads/a").status).toBe(204);
    expect(ask(listener, "PROPFIND", "/webdav/uploads/a", "0").status).toBe(404);
    expect(ask(listener, "DELETE", "/webdav/uploads").status).toBe(403, "uploads/ itself");
    expect(ask(listener, "DELETE", "/webdav/by-uids/1.1").status).toBe(403, "DeleteAllowed is off by default");
    expect(ask(listener, "MKCOL", "/webdav/by-uids/new").status).toBe(403);
    expect(ask(listener, "MKCOL", "/new").status).toBe(404, "outside the share");
  });

  it("deletes in the DICOM views only with DeleteAllowed, says what went, and refuses the views' own folders", () => {
    const orthanc = smallOrthanc();
    orthanc.deletable.add("/studies/s1");
    const config = readConfiguration("{\"WebDavShare\":{\"DeleteAllowed\":true}}").config;
    const listener = new Listener(new Share(config, orthanc), config.login, config.maxInfinityEntries);
    expect(header(ask(listener, "OPTIONS", "/webdav/by-studies/P1%20-%20N%20-%20One/"), "Allow").includes("DELETE")).toBe(true);
    expect(header(ask(listener, "OPTIONS", "/webdav/by-studies/"), "Allow").includes("DELETE")).toBe(false, "a view's own folder");
    expect(<i32>ask(listener, "DELETE", "/webdav/by-studies/P1%20-%20N%20-%20One/", "", false).kind).toBe(<i32>BodyKind.Primary,
      "the first instance deletes, and tells the others");
    expect(ask(listener, "DELETE", "/webdav/by-studies/P1%20-%20N%20-%20One/", "1").status).toBe(400, "a folder goes whole");
    expect(ask(listener, "DELETE", "/webdav/by-studies").status).toBe(403);
    expect(ask(listener, "DELETE", "/webdav/by-studies/Nobody").status).toBe(404);
    expect(orthanc.deletes.length).toBe(0, "nothing asked of Orthanc yet");
    const removed = ask(listener, "DELETE", "/webdav/by-studies/P1%20-%20N%20-%20One/");
    expect(removed.status).toBe(204);
    expect(orthanc.deletes).toStrictEqual(["/studies/s1"]);
    expect(removed.deleted.length).toBe(1);
    expect(removed.deleted[0].id).toBe("s1");
    expect(ask(listener, "PROPFIND", "/webdav/by-studies/P1%20-%20N%20-%20One/", "0").status).toBe(404);
    const refused = ask(listener, "DELETE", "/webdav/by-studies/P1%20-%20N%20-%20Two");
    expect(refused.status).toBe(500, "Orthanc refused it");
    expect(refused.deleted.length).toBe(0);
  });

  it("refuses a DELETE in the views to a user without the delete right, before asking Orthanc", () => {
    const orthanc = smallOrthanc();
    orthanc.deletable.add("/studies/s1");
    const config = readConfiguration("{\"AuthenticationEnabled\":true,\"RegisteredUsers\":{\"ann\":\"secret\"}," +
      "\"WebDavShare\":{\"DeleteAllowed\":true,\"AccessRules\":{\"Users\":{\"ann\":{\"See\":\"Everything\",\"May\":[\"read\"]}}}}}").config;
    const listener = new Listener(new Share(config, orthanc), config.login, config.maxInfinityEntries);
    const answer = ask(listener, "DELETE", "/webdav/by-studies/P1%20-%20N%20-%20One/", "", true, "127.0.0.1", "Basic YW5uOnNlY3JldA==");
    expect(answer.status).toBe(403);
    expect(text(answer).includes("may not delete")).toBe(true);
    expect(orthanc.deletes.length).toBe(0);
  });
});
