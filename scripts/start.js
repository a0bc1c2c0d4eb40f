// npm start: builds the plugin, starts Orthanc 1.10.1 with a local SQLite database in .demo/
// and the plugin on port 8042 (HTTP_PORT to change it), the share's own listener on the next
// port (docs/listener.md), loads a few generated demo studies the
// first time, and prints the share's URL and how to mount it. Ctrl-C stops Orthanc.
import path from 'node:path';
import { build, ROOT } from './build.js';

const plugin = build('build');
const { Orthanc } = await import('../tests/lib/orthanc.js');
const { makeInstance, newUid } = await import('../tests/lib/dicom.js');

const httpPort = Number(process.env.HTTP_PORT ?? 8042);
const listenerPort = httpPort + 1;
const orthanc = await Orthanc.create(path.join(ROOT, '.demo'), {
  plugin,
  keepData: true,
  options: {
    Name: 'webdav-share-demo', HttpPort: httpPort, DicomPort: Number(process.env.DICOM_PORT ?? 4242),
    WebDavShare: { Listener: { Port: listenerPort } },
  },
});
try {
  await orthanc.start();
} catch (error) {
  console.error(`${error.message}\nIs port ${httpPort} already in use? Try: HTTP_PORT=8052 npm start`);
  process.exit(1);
}

const statistics = await orthanc.rest('GET', '/statistics');
if (statistics.CountInstances === 0) {
  const demo = [
    { PatientID: 'DEMO-001', PatientName: 'Müller^Jörg', StudyDescription: 'CT Thorax/Abdomen', StudyDate: '20230314', Modality: 'CT' },
    { PatientID: 'DEMO-002', PatientName: '山田^太郎', StudyDescription: 'MR Knee', StudyDate: '20240102', Modality: 'MR' },
    { PatientID: 'DEMO-003', PatientName: 'Doe^Jane', StudyDescription: 'Chest', StudyDate: undefined, Modality: 'CR' },
  ];
  for (const patient of demo) {
    const study = { ...patient, StudyInstanceUID: newUid() };
    for (let s = 1; s <= 2; s += 1) {
      const series = { ...study, SeriesInstanceUID: newUid(), SeriesDescription: `Series ${s}`, SeriesNumber: String(s) };
      for (let i = 1; i <= 3; i += 1) await orthanc.upload(makeInstance({ ...series, InstanceNumber: String(i) }));
    }
  }
  console.log(`Loaded ${demo.length} demo studies.`);
}

const url = `http://localhost:${httpPort}/webdav/`;
const own = `http://localhost:${listenerPort}/webdav/`;
const mounts = (at, port) => `  Nautilus / GNOME Files: Other Locations -> Connect to Server -> dav://localhost:${port}/webdav/
  davfs2:   sudo mount -t davfs ${at} /mnt/orthanc
  rclone:   rclone lsf -R ":webdav,url='${at}',vendor=other:"
  Windows:  Map network drive -> Connect to a Web site -> ${at}
  macOS:    Finder -> Go -> Connect to Server -> ${at}`;
console.log(`
Orthanc ${orthanc.url} is running with the WebDAV share plugin (log: ${orthanc.logFile}).

  The share on Orthanc's port:     ${url}   (reads and writes: drop files into uploads/)
  The share on its own listener:   ${own}   (reads, with dates, ETags and ranges every client understands)
  Its status:  http://localhost:${httpPort}/webdav-share/status

Mount Orthanc's port:
${mounts(url, httpPort)}

Mount the listener (writes in uploads/, locks; see README "The share's own listener"):
${mounts(own, listenerPort)}

Ctrl-C stops Orthanc; the data stays in ${path.join(ROOT, '.demo')}.`);

const stop = async () => {
  await orthanc.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
await orthanc.exited;
console.error(`Orthanc stopped; see ${orthanc.logFile}`);
process.exit(1);
