// The plugin's section of the Orthanc configuration, validated. Unknown keys and wrong types
// are logged and never widen what the share allows: a wrong type keeps the safe default.
import { JSON } from "assemblyscript-json/assembly";
import { log, LOG_ERROR, LOG_WARNING } from "./host";
import { AccessRules, readAccessRules, SECTION_NAME } from "./access";
import { ConfigOutcome } from "./codes";
import { Login } from "./login";
export { ConfigOutcome };

export const SECTION = "WebDavShare";
const CORE_ROOT = "/webdav";

export class Config {
  enable: bool = true;
  root: string = CORE_ROOT;
  deleteAllowed: bool = false;
  uploadAllowed: bool = true;
  asciiNames: bool = false;
  maxCachedInstances: i32 = 100000;
  reconcileIntervalSeconds: i32 = 10;
  /** Where uploaded files wait, durable, until they are imported. Default: beside Orthanc's storage. */
  stagingDirectory: string = "";
  /** Threads importing staged files; 0 holds every upload staged (tests of restarts). */
  ingestWorkers: i32 = 2;
  /** Deepest nesting of sequences an uploaded file may have (Orthanc 1.10.1 dies on thousands). */
  maxSequenceDepth: i32 = 64;
  /** Seconds an empty folder of uploads/ stays, and a zero-byte file never rewritten. */
  uploadFolderIdleSeconds: i32 = 30;
  emptyFileIdleSeconds: i32 = 300;
  /** Seconds an imported file stays reachable by its name (no longer listed), for clients that check what they wrote. */
  importedLingerSeconds: i32 = 5;
  /** A ZIP archive may unpack to at most this many times its size (zip bombs). */
  maxZipRatio: i32 = 100;
  /**
   * Instances of the module: the first does everything, the others answer reads of the DICOM
   * views in parallel, each with a catalog of its own (memory grows with each).
   */
  moduleInstances: i32 = 1;
  /** Tests only: a path component with this prefix makes the module trap on purpose. */
  testTrapName: string = "";
  /** Who may see and do what (access.ts); inactive when the section has no AccessRules. */
  access: AccessRules = new AccessRules();
  /** The plugin's own listener (docs/listener.md): its port (0: none) and Depth infinity's bound. */
  listenerPort: i32 = 0;
  maxInfinityEntries: i32 = 100000;
  /** HTTPS on the listener: Orthanc's SslEnabled, with Listener.SslCertificate or Orthanc's SslCertificate as written. */
  tls: bool = false;
  certificate: string = "";
  /** Who may connect and log in, by Orthanc's rules (login.ts). */
  login: Login = new Login();
}


export class ConfigResult {
  constructor(public config: Config, public outcome: ConfigOutcome) {}
}

const KNOWN_KEYS: Array<string> = [
  "Enable", "Root", "DeleteAllowed", "UploadAllowed", "AsciiNames",
  "MaxCachedInstances", "ReconcileIntervalSeconds", "TestTrapName",
  "StagingDirectory", "IngestWorkers", "MaxSequenceDepth", "UploadFolderIdleSeconds", "EmptyFileIdleSeconds", "ImportedLingerSeconds", "MaxZipRatio",
  "AccessRules", "ModuleInstances", "Listener",
];
const LISTENER_KEYS: Array<string> = ["Port", "SslCertificate", "MaxInfinityEntries"];

/** WebDavShare.Listener, and the Orthanc options the listener mirrors (TLS, who may log in). */
function readListener(config: Config, section: JSON.Obj, top: JSON.Obj): void {
  const ssl = top.get("SslEnabled");
  config.tls = ssl !== null && ssl.isBool && (<JSON.Bool>ssl).valueOf();
  const certificate = top.get("SslCertificate");
  config.certificate = certificate !== null && certificate.isString ? (<JSON.Str>certificate).valueOf() : "certificate.pem";
  const value = section.get("Listener");
  if (value === null) return;
  if (!value.isObj) {
    log(LOG_ERROR, SECTION + ".Listener must be an object such as { \"Port\": 8043 }; no listener is opened");
    return;
  }
  const listener = <JSON.Obj>value;
  const keys = listener.keys;
  for (let i = 0; i < keys.length; i++) {
    if (!LISTENER_KEYS.includes(keys[i])) {
      log(LOG_WARNING, "unknown option " + SECTION + ".Listener." + keys[i] + " is ignored (known: " + LISTENER_KEYS.join(", ") + ")");
    }
  }
  config.listenerPort = readInt(listener, "Port", 0, 0, 65535, ".Listener");
  config.maxInfinityEntries = readInt(listener, "MaxInfinityEntries", config.maxInfinityEntries, 1, 100000000, ".Listener");
  config.certificate = readString(listener, "SslCertificate", config.certificate, ".Listener");
  if (config.listenerPort == 0) return;
  // docs/orthanc.md: filters of Orthanc's port have no SDK call the listener could run
  const lua = top.get("LuaScripts");
  if (lua !== null && lua.isArr && (<JSON.Arr>lua).valueOf().length > 0) {
    log(LOG_WARNING, "LuaScripts are configured: an IncomingHttpRequestFilter in them does NOT run on the share's own " +
      "listener (port " + config.listenerPort.toString() + "); only Orthanc's login rules and " + SECTION_NAME + " apply there");
  }
  if (top.get("Authorization") !== null) {
    log(LOG_WARNING, "an \"Authorization\" section is configured: the authorization plugin's checks and tokens do NOT run " +
      "on the share's own listener (port " + config.listenerPort.toString() + ")");
  }
}

function readBool(section: JSON.Obj, key: string, fallback: bool): bool {
  const value = section.get(key);
  if (value === null) return fallback;
  if (value.isBool) return (<JSON.Bool>value).valueOf();
  log(LOG_ERROR, SECTION + "." + key + " must be true or false; using " + (fallback ? "true" : "false"));
  return fallback;
}

function readInt(section: JSON.Obj, key: string, fallback: i32, min: i32, max: i32, where: string = ""): i32 {
  const value = section.get(key);
  if (value === null) return fallback;
  if (value.isInteger) {
    const n = (<JSON.Integer>value).valueOf();
    if (n >= <i64>min && n <= <i64>max) return <i32>n;
  }
  log(LOG_ERROR, SECTION + where + "." + key + " must be a whole number from " + min.toString() + " to " +
    max.toString() + "; using " + fallback.toString());
  return fallback;
}

function readString(section: JSON.Obj, key: string, fallback: string, where: string = ""): string {
  const value = section.get(key);
  if (value === null) return fallback;
  if (value.isString) return (<JSON.Str>value).valueOf();
  log(LOG_ERROR, SECTION + where + "." + key + " must be a string; using \"" + fallback + "\"");
  return fallback;
}

/** "/webdav/" and "webdav" both mean "/webdav"; null when the root cannot be used. */
export function normalizeRoot(root: string): string | null {
  let value = root.trim();
  if (!value.startsWith("/")) value = "/" + value;
  while (value.length > 1 && value.endsWith("/")) value = value.substring(0, value.length - 1);
  if (value.length < 2) return null;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const allowed = (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) ||
      (code >= 0x61 && code <= 0x7a) || code == 0x2d || code == 0x5f || code == 0x2e || code == 0x2f;
    if (!allowed) return null;
  }
  if (value.includes("//") || value.includes("/./") || value.includes("/../") || value.endsWith("/..")) return null;
  return value;
}

/** Reads the whole Orthanc configuration (as the shim got it from Orthanc) and decides. */
export function readConfiguration(orthancConfiguration: string): ConfigResult {
  const config = new Config();
  const parsed = JSON.parse(orthancConfiguration);
  if (!parsed.isObj) {
    log(LOG_ERROR, "the Orthanc configuration is not a JSON object; the share is not served");
    return new ConfigResult(config, ConfigOutcome.Refused);
  }
  const top = <JSON.Obj>parsed;
  config.login = Login.of(top);
  const sectionValue = top.get(SECTION);
  if (sectionValue !== null) {
    if (!sectionValue.isObj) {
      log(LOG_ERROR, "\"" + SECTION + "\" must be a JSON object; the share is not served");
      return new ConfigResult(config, ConfigOutcome.Refused);
    }
    const section = <JSON.Obj>sectionValue;
    const keys = section.keys;
    for (let i = 0; i < keys.length; i++) {
      if (!KNOWN_KEYS.includes(keys[i])) {
        log(LOG_WARNING, "unknown option " + SECTION + "." + keys[i] + " is ignored (known: " + KNOWN_KEYS.join(", ") + ")");
      }
    }
    config.enable = readBool(section, "Enable", config.enable);
    config.deleteAllowed = readBool(section, "DeleteAllowed", config.deleteAllowed);
    config.uploadAllowed = readBool(section, "UploadAllowed", config.uploadAllowed);
    config.asciiNames = readBool(section, "AsciiNames", config.asciiNames);
    config.maxCachedInstances = readInt(section, "MaxCachedInstances", config.maxCachedInstances, 1000, 100000000);
    config.reconcileIntervalSeconds = readInt(section, "ReconcileIntervalSeconds", config.reconcileIntervalSeconds, 1, 86400);
    config.testTrapName = readString(section, "TestTrapName", config.testTrapName);
    config.stagingDirectory = readString(section, "StagingDirectory", config.stagingDirectory);
    config.ingestWorkers = readInt(section, "IngestWorkers", config.ingestWorkers, 0, 16);
    config.maxSequenceDepth = readInt(section, "MaxSequenceDepth", config.maxSequenceDepth, 4, 128);
    config.uploadFolderIdleSeconds = readInt(section, "UploadFolderIdleSeconds", config.uploadFolderIdleSeconds, 1, 86400);
    config.emptyFileIdleSeconds = readInt(section, "EmptyFileIdleSeconds", config.emptyFileIdleSeconds, 1, 86400);
    config.importedLingerSeconds = readInt(section, "ImportedLingerSeconds", config.importedLingerSeconds, 0, 3600);
    config.maxZipRatio = readInt(section, "MaxZipRatio", config.maxZipRatio, 1, 100000);
    config.moduleInstances = readInt(section, "ModuleInstances", config.moduleInstances, 1, 8);
    const root = normalizeRoot(readString(section, "Root", config.root));
    if (root === null) {
      log(LOG_ERROR, SECTION + ".Root must be a URI path such as \"/webdav\" (letters, digits, - _ . /); the share is not served");
      return new ConfigResult(config, ConfigOutcome.Refused);
    }
    config.root = root;
    readListener(config, section, top);
    const rules = readAccessRules(section.get("AccessRules"), top);
    config.access = rules.rules;
    if (rules.error.length > 0) {
      log(LOG_ERROR, "invalid access rules: " + rules.error + ". The share is NOT served and every HTTP request " +
        "is refused until " + SECTION_NAME + " is fixed.");
      return new ConfigResult(config, ConfigOutcome.Refused);
    }
    if (config.access.active && !config.access.authenticated) {
      log(LOG_WARNING, SECTION_NAME + " is set but Orthanc's \"AuthenticationEnabled\" is not true: user names " +
        "cannot be trusted, so every request gets the rules of \"Anonymous\".");
    }
  }
  if (config.stagingDirectory.length == 0) {
    const storage = top.get("StorageDirectory");
    const base = storage !== null && storage.isString ? (<JSON.Str>storage).valueOf() : "OrthancStorage";
    config.stagingDirectory = (base.endsWith("/") ? base : base + "/") + "webdav-staging";
  }
  if (!config.enable) return new ConfigResult(config, ConfigOutcome.Disabled);

  // docs/orthanc.md, "Collection callbacks": the core's own share (WebDavEnabled, true by default) at the same root
  // makes Orthanc 1.10.1 fail at start-up and crash.
  const coreShare = top.get("WebDavEnabled");
  const coreShareOn = coreShare === null || !coreShare.isBool || (<JSON.Bool>coreShare).valueOf();
  if (coreShareOn && config.root == CORE_ROOT) {
    log(LOG_ERROR, "Orthanc's built-in WebDAV share is enabled at " + CORE_ROOT +
      ", the root this plugin was asked to serve. The plugin's share is NOT served. Fix: set " +
      "\"WebDavEnabled\": false in the Orthanc configuration (or give \"" + SECTION +
      "\": { \"Root\": \"/another-root\" }).");
    return new ConfigResult(config, ConfigOutcome.Refused);
  }
  return new ConfigResult(config, ConfigOutcome.Serve);
}
