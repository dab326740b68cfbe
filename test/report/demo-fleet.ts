// A small fleet of parsed reports from the fixtures, used by the browser test and its screenshot.
import { parseDmesg } from '../../src/report/parse-dmesg.js';
import type { HostReports, KfenceReport } from '../../src/report/types.js';
import { fixture } from './fixtures.js';

const rep = (name: string, shiftS = 0): KfenceReport[] =>
  parseDmesg(fixture(name)).reports.map((r) => ({ ...r, timestamp_s: r.timestamp_s === null ? null : r.timestamp_s + shiftS }));

const AL17 = '5.10.134-17.al8.x86_64';
const AL16 = '5.10.134-16.al8.x86_64';
const DEB = '6.12.117+deb12-amd64';

export function demoFleet(): HostReports[] {
  return [
    { host: 'web-01', release: AL17, boot_time: '2026-11-24T22:10:00Z', reports: [...rep('alinux-uaf-read.txt'), ...rep('alinux-uaf-read.txt', 3600)] },
    { host: 'web-02', release: AL17, boot_time: '2026-11-24T21:40:00Z', reports: [...rep('alinux-uaf-read.txt', 900), ...rep('alinux-oob-write-right.txt')] },
    { host: 'web-03', release: AL17, boot_time: '2026-11-25T01:05:00Z', reports: rep('alinux-uaf-read.txt', 60) },
    { host: 'db-01', release: AL16, boot_time: '2026-11-20T09:00:00Z', reports: [...rep('alinux-invalid-free.txt'), ...rep('alinux-invalid-read.txt')] },
    { host: 'db-02', release: AL16, boot_time: '2026-11-21T09:00:00Z', reports: rep('alinux-invalid-free.txt', 7200) },
    { host: 'cache-01', release: AL17, boot_time: '2026-11-25T03:00:00Z', reports: [...rep('alinux-uaf-write-page.txt'), ...rep('alinux-uaf-write-page.txt', 30), ...rep('alinux-uaf-write-page.txt', 95)] },
    { host: 'store-01', release: AL17, boot_time: '2026-11-23T12:00:00Z', reports: rep('alinux-corruption-panic.txt') },
    { host: 'build-01', release: DEB, boot_time: '2026-11-25T06:30:00Z', reports: [...rep('upstream-6.12-oob-write-right.txt'), ...rep('upstream-6.12-uaf-write-rcu.txt')] },
    { host: 'edge-01', release: DEB, boot_time: '2026-11-25T07:00:00Z', reports: rep('upstream-invalid-write-hashed.txt') },
    { host: 'web-04', release: AL17, boot_time: '2026-11-25T02:00:00Z', reports: [] },
  ];
}
