// Writes DICOM Part 10 files for tests and benchmarks with dcmjs (a maintained DICOM
// reader/writer for JavaScript), so fixtures are generated, never committed.
import dcmjs from 'dcmjs';

const { DicomDict, DicomMetaDictionary } = dcmjs.data;

const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';
const EXPLICIT_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

let counter = 0;
/** A fresh UID under a test root; unique within the process and across runs. */
export function newUid() {
  counter += 1;
  return `2.25.${Date.now()}${process.pid}${String(counter).padStart(6, '0')}`;
}

/**
 * One instance. `tags` holds DICOM keywords; a key set to undefined is left out of the file
 * (a missing tag), an empty string gives an empty tag. `frames` > 1 makes a multi-frame file
 * of `rows` x `columns` 16-bit pixels per frame.
 */
export function makeInstance(tags = {}, { frames = 1, rows = 8, columns = 8 } = {}) {
  const sopInstanceUid = tags.SOPInstanceUID ?? newUid();
  const dataset = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: SECONDARY_CAPTURE,
    SOPInstanceUID: sopInstanceUid,
    PatientID: 'TEST',
    PatientName: 'Test^Patient',
    StudyInstanceUID: newUid(),
    SeriesInstanceUID: newUid(),
    StudyDate: '20200302',
    StudyDescription: 'Study',
    Modality: 'OT',
    SeriesDescription: 'Series',
    SeriesNumber: '1',
    InstanceNumber: '1',
    Rows: rows,
    Columns: columns,
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: 0,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    ...tags,
  };
  if (frames > 1) dataset.NumberOfFrames = String(frames);
  for (const key of Object.keys(dataset)) if (dataset[key] === undefined) delete dataset[key];
  const pixels = new Uint16Array(rows * columns * frames);
  for (let i = 0; i < pixels.length; i += 1) pixels[i] = (i * 7 + frames) & 0xffff;
  dataset.PixelData = [pixels.buffer];
  dataset._vrMap = { PixelData: 'OW' };

  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: EXPLICIT_LITTLE_ENDIAN,
    ImplementationClassUID: '2.25.1234567890',
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return Buffer.from(dict.write());
}

/**
 * A DICOM file whose last element is a sequence nested `depth` levels deep (undefined lengths),
 * the kind of file that kills Orthanc 1.10.1's parser when depth is in the thousands.
 */
export function makeDeeplyNested(depth, tags = {}) {
  const valid = makeInstance(tags);
  const le16 = (v) => Buffer.from([v & 0xff, (v >> 8) & 0xff]);
  const le32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };
  const tag = (g, e) => Buffer.concat([le16(g), le16(e)]);
  const open = Buffer.concat([tag(0x7fe1, 0x0010), Buffer.from('SQ'), le16(0), le32(0xffffffff), tag(0xfffe, 0xe000), le32(0xffffffff)]);
  const close = Buffer.concat([tag(0xfffe, 0xe00d), le32(0), tag(0xfffe, 0xe0dd), le32(0)]);
  const parts = [valid];
  for (let i = 0; i < depth; i += 1) parts.push(open);
  for (let i = 0; i < depth; i += 1) parts.push(close);
  return Buffer.concat(parts);
}
