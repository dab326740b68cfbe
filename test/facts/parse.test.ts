import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { FactsError, lsModeToOctal, parseGrubbyInfo, parseNodeList, parseProbeOutput, parseStats } from '../../src/facts/parse.js';
import { ALINUX_STATS, UPSTREAM_STATS } from './fixtures/fake-host.js';

const minimal = (extra = ''): string =>
  [
    '@@kfleet-probe 1',
    'v\tuname-r\t5.10.134-16.al8.aarch64',
    'v\tuname-m\taarch64',
    'v\tpage-size\t65536',
    '@@begin\tmeminfo',
    '|MemTotal:  1000 kB',
    '@@end',
    'v\tboot-id\t0f4b6d3e-7a43-4c5e-9a1e-2b9f3c1d5e6f',
    'v\tuptime\t1.5 2.0',
    'v\tcmdline\tro quiet',
    extra,
    '@@kfleet-probe-end',
    '',
  ].join('\n');

function malformed(out: string, re: RegExp): void {
  assert.throws(() => parseProbeOutput(out, 'h9'), (e: unknown) => {
    assert.ok(e instanceof FactsError);
    assert.equal(e.code, 'FACTS_MALFORMED');
    assert.equal(e.location?.host, 'h9');
    assert.ok(e.hint);
    assert.match(e.message, re);
    return true;
  });
}

describe('facts parser', () => {
  it('parses a minimal probe and defaults what is absent', () => {
    const f = parseProbeOutput(minimal('v\tparam-ls/x\t-rw-r--r--\nv\tparam/x\t5\nv\tparam/y\t7'), 'h');
    assert.equal(f.kernel.page_size, 65536);
    assert.deepEqual(f.kfence.params.x, { value: '5', mode: '0644' }, 'mode from the ls fallback');
    assert.deepEqual(f.kfence.params.y, { value: '7', mode: '0000' }, 'no mode information at all');
    assert.equal(f.kfence.present, false);
    assert.deepEqual(f.os, { id: '', version_id: '', pretty_name: '' });
    assert.equal(f.privileged, false);
  });

  it('rejects garbage, truncation and missing required facts as FACTS_MALFORMED', () => {
    malformed(randomBytes(5000).toString('latin1'), /header/);
    malformed('', /header/);
    malformed(minimal().replace('@@kfleet-probe-end\n', ''), /truncated/);
    malformed(minimal().replace('@@end\n', ''), /not terminated|unprefixed/);
    malformed(minimal().replace('v\tuname-r\t5.10.134-16.al8.aarch64\n', ''), /kernel release.*missing/);
    malformed(minimal().replace('v\tboot-id', 'u\tboot-id\nx\tboot-id'), /unknown record/);
    malformed(minimal().replace('0f4b6d3e-7a43-4c5e-9a1e-2b9f3c1d5e6f', 'not-a-uuid'), /not a UUID/);
    malformed(minimal().replace('v\tpage-size\t65536', 'v\tpage-size\tlots'), /page size/);
    malformed(minimal().replace('|MemTotal:  1000 kB', '|nothing'), /MemTotal/);
    malformed(minimal() + 'trailing junk\n', /after the end marker/);
    malformed(minimal().replace('v\tcmdline\tro quiet', 'u\tcmdline'), /unreadable/);
  });

  it('stats: Anolis layout with node table, upstream layout, never-enabled Anolis', () => {
    const a = parseStats(ALINUX_STATS);
    assert.equal(a.format, 'anolis');
    assert.equal(a.counters['total slab allocations'], 123456);
    assert.ok(!('0' in a.counters));
    const u = parseStats(UPSTREAM_STATS);
    assert.equal(u.format, 'upstream');
    assert.equal(u.counters['currently allocated'], 12);
    // Only `enabled: 0` is Anolis' never-enabled file (upstream has no file then): no layout to tell.
    assert.deepEqual(parseStats('enabled: 0\n'), { enabled: false, counters: {}, format: 'empty' });
    assert.deepEqual(parseStats(''), { enabled: null, counters: {}, format: 'empty' });
    // A66 uses a 35-column name; still Anolis, still parsed
    const w35 = `enabled: 1\n${'total bugs'.padEnd(35)}:${'4'.padStart(20)}\n`;
    assert.deepEqual(parseStats(w35), { enabled: true, counters: { 'total bugs': 4 }, format: 'anolis' });
  });

  it('node lists, ls modes, grubby entries', () => {
    assert.deepEqual(parseNodeList('0-2,4'), [0, 1, 2, 4]);
    assert.deepEqual(parseNodeList(''), []);
    assert.deepEqual(parseNodeList('garbage'), []);
    assert.equal(lsModeToOctal('-rw-------'), '0600');
    assert.equal(lsModeToOctal('-r--r--r--'), '0444');
    assert.equal(lsModeToOctal('-rwxr-x--x'), '0751');
    assert.equal(lsModeToOctal('junk'), null);
    const e = parseGrubbyInfo('index=0\nkernel=/boot/vmlinuz-a\nargs="ro a=\\"b\\""\nindex=oops\nkernel=/x\nindex=2\nkernel="/boot/vmlinuz-c"\n');
    assert.deepEqual(e.map((x) => [x.index, x.kernel]), [[0, '/boot/vmlinuz-a'], [2, '/boot/vmlinuz-c']]);
    assert.equal(e[1]?.args, '');
  });
});
