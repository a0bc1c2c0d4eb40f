// Dates as the WebDAV collection API wants them: YYYYMMDDTHHMMSS, UTC (docs/orthanc.md, "Collection callbacks").

function pad(value: i32, width: i32): string {
  return value.toString().padStart(width, "0");
}

export function formatShareDate(epochMs: f64): string {
  const date = new Date(<i64>epochMs);
  return pad(date.getUTCFullYear(), 4) + pad(date.getUTCMonth() + 1, 2) + pad(date.getUTCDate(), 2) + "T" +
    pad(date.getUTCHours(), 2) + pad(date.getUTCMinutes(), 2) + pad(date.getUTCSeconds(), 2);
}
