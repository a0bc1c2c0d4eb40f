// Free loopback ports, all different. tests/lib/orthanc.js asks for the HTTP and the DICOM
// port one after the other, and the kernel can hand out the same just-closed port twice:
// Orthanc then fails at start ("TCP port of the HTTP server ... already in use").
import { freePort } from '../tests/lib/orthanc.js';

const handedOut = new Set();

/** Options for Orthanc.create with an HTTP and a DICOM port no other Orthanc here got. */
export async function distinctPorts() {
  const ports = [];
  while (ports.length < 2) {
    const port = await freePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      ports.push(port);
    }
  }
  return { HttpPort: ports[0], DicomPort: ports[1] };
}
