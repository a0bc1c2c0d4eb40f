// The result codes that cross the boundary to the C shim, in one place; plugin-shim/codes.h
// holds the same values (WEBDAV_<ENUM>_<MEMBER>), and tests/integration/abi.test.js fails when
// one side changes alone. docs/boundary.md says which export answers which.

/** configure: what the shim does with the share. */
export enum ConfigOutcome {
  Serve = 0,
  Disabled = 1,
  Refused = 2,
}

/** store_file: what a PUT becomes. */
export enum StoreAction {
  Refuse = 0, // 403
  Accept = 1, // 201, nothing to write (junk, zero bytes)
  Stage = 2, // 201 once the shim has made the bytes durable under the staging id
}

/** upload_check: what a worker does with a staged file. */
export enum CheckAnswer {
  Drop = 0, // skipped or reported: nothing to import
  Import = 1, // POST it to Orthanc
  Zip = 2, // an archive: import the members upload_zip_member hands out
}

/** upload_finish, upload_zip_member_done: what Orthanc answered to an import. */
export enum JobOutcome {
  Imported = 0,
  Rejected = 1, // Orthanc refused the file
  Gone = 2, // the staged file vanished (imported by an earlier worker, or deleted)
}

/**
 * upload_restore: what the staging log says of a staged upload found at start (the shim marks a
 * record before it hands the file to Orthanc and after Orthanc answers); Report for a report.
 */
export enum RestoredState {
  Report = 0,
  Waiting = 1, // never handed to Orthanc, or refused: checked and imported as any upload
  ImportStarted = 2, // Orthanc stopped while importing it: reported, never tried again
  Imported = 3, // imported before the stop: nothing left to do
  CheckTrapped = 4, // the module trapped while checking it (and restarted): reported, never checked again
}

/** retrieve_file: what the bytes of the answer are. */
export enum FileKind {
  Instance = 1, // an Orthanc instance id: the shim sends its DICOM file
  Content = 2, // the content itself
  Staged = 3, // the staging id of an upload: the shim sends its staged bytes
}

/** is_existing_folder: bits of its answer. */
export enum FolderAnswer {
  Folder = 1,
  EndsRequest = 2, // the shim forgets the request's identity (callbacks.ts)
}

/** delete_item, create_folder: the answer. */
export enum DeleteOutcome {
  Refused = 0, // answered 403
  Done = 1, // answered 204 (201 for a folder created)
  Failed = -1, // Orthanc refused or failed: answered 500, nothing hidden
}

/** filter_request: its first byte. */
export enum FilterAnswer {
  Refuse = 0,
  Allow = 1,
}

/**
 * The calls into the module on a path, and the status route: configure names by these bits the
 * ones any module instance may answer (guest.c routes them).
 */
export enum Callback {
  IsExistingFolder = 0,
  ListFolder = 1,
  RetrieveFile = 2,
  CreateFolder = 3,
  DeleteItem = 4,
  StoreFile = 5,
  Status = 6,
}

/** What follows the head of a listener answer (listener.ts, docs/boundary.md http_request). */
export enum BodyKind {
  None = 0, // no body (HEAD, 304): the length is announced only
  Inline = 1, // the bytes follow
  Instance = 2, // the shim sends a range of an Orthanc instance's DICOM file
  Staged = 3, // the shim sends a range of a staged upload
  Stream = 4, // the first chunk follows; http_continue gives the next ones
  Primary = 5, // a reader instance cannot answer this: the shim asks the first instance
  Receive = 6, // a PUT: the shim streams the body into the staging log under `source`, then answers `status`
  Copy = 7, // a COPY: the shim writes staged bytes again under new staging ids, then answers `status`
}
