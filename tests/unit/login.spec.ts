import { JSON } from "assemblyscript-json/assembly";
import { Login, constantTimeEqual } from "../../assembly/login";

function login(configuration: string): Login {
  return Login.of(<JSON.Obj>JSON.parse(configuration));
}

function basic(credential: string): string {
  // "alice:s3cret" and "orthanc:orthanc", as clients send them
  if (credential == "alice:s3cret") return "Basic YWxpY2U6czNjcmV0";
  if (credential == "orthanc:orthanc") return "Basic b3J0aGFuYzpvcnRoYW5j";
  if (credential == "alice:wrong") return "Basic YWxpY2U6d3Jvbmc=";
  return "Basic " + credential;
}

describe("login: Orthanc's rules on the listener", () => {
  it("defaults: no remote access, no authentication, only 127.0.0.1 may connect", () => {
    const l = login("{}");
    expect(l.remoteAccessAllowed).toBe(false);
    expect(l.authenticationEnabled).toBe(false);
    expect(l.mayConnect("127.0.0.1")).toBe(true);
    expect(l.mayConnect("::1")).toBe(false, "Orthanc counts only 127.0.0.1 as local");
    expect(l.mayConnect("10.0.0.2")).toBe(false);
  });
  it("remote access turns authentication on, with orthanc / orthanc when no user is registered", () => {
    const l = login("{\"RemoteAccessAllowed\":true}");
    expect(l.authenticationEnabled).toBe(true);
    expect(l.mayConnect("10.0.0.2")).toBe(true);
    expect(l.userOf(basic("orthanc:orthanc"))).toBe("orthanc");
    const registered = login("{\"RemoteAccessAllowed\":true,\"RegisteredUsers\":{\"alice\":\"s3cret\"}}");
    expect(registered.userOf(basic("orthanc:orthanc"))).toBe("", "no implicit user beside registered ones");
    expect(registered.userOf(basic("alice:s3cret"))).toBe("alice");
  });
  it("refuses wrong passwords, unknown users and malformed headers", () => {
    const l = login("{\"AuthenticationEnabled\":true,\"RegisteredUsers\":{\"alice\":\"s3cret\"}}");
    expect(l.userOf(basic("alice:wrong"))).toBe("");
    expect(l.userOf(basic("orthanc:orthanc"))).toBe("");
    expect(l.userOf("")).toBe("");
    expect(l.userOf("Bearer abc")).toBe("");
    expect(l.userOf("Basic !!!!")).toBe("");
    expect(l.userOf("Basic YWxpY2U")).toBe("", "not a multiple of 4");
    expect(l.userOf("Basic " + "QQ==QQ==")).toBe("", "padding inside");
  });
  it("takes a name holding \":\" whole, as Orthanc does (it matches user:password entire)", () => {
    const l = login("{\"AuthenticationEnabled\":true,\"RegisteredUsers\":{\"neuro\":\"pw:x\",\"neuro:ops\":\"ops-pw\"}}");
    expect(l.userOf("Basic bmV1cm86b3BzOm9wcy1wdw==")).toBe("neuro:ops", "neuro:ops with ops-pw");
    expect(l.userOf("Basic bmV1cm86cHc6eA==")).toBe("neuro", "neuro with pw:x");
    expect(l.userOf("Basic bmV1cm86b3BzOng=")).toBe("", "neither neuro:ops with x nor neuro with ops:x");
  });
  it("answers failed logins from one address more and more slowly, and forgets them", () => {
    const l = login("{}");
    expect(l.failed("10.0.0.9", 0)).toBe(200);
    expect(l.failed("10.0.0.9", 1)).toBe(400);
    expect(l.failed("10.0.0.8", 1)).toBe(200, "another address");
    for (let i = 0; i < 10; i++) l.failed("10.0.0.9", 2);
    expect(l.failed("10.0.0.9", 3)).toBe(5000, "capped");
    expect(l.failed("10.0.0.9", 70000)).toBe(200, "forgotten a minute later");
    l.succeeded("10.0.0.9");
    expect(l.failed("10.0.0.9", 70001)).toBe(200);
  });
  it("compares in time that depends on lengths only", () => {
    expect(constantTimeEqual(Uint8Array.wrap(String.UTF8.encode("abc")), Uint8Array.wrap(String.UTF8.encode("abc")))).toBe(true);
    expect(constantTimeEqual(Uint8Array.wrap(String.UTF8.encode("abc")), Uint8Array.wrap(String.UTF8.encode("abd")))).toBe(false);
    expect(constantTimeEqual(Uint8Array.wrap(String.UTF8.encode("abc")), Uint8Array.wrap(String.UTF8.encode("ab")))).toBe(false);
  });
});
