import assert from 'node:assert/strict';
import { parseDmesg } from '../../src/report/parse-dmesg.js';
import { splitLogLine } from '../../src/report/log-line.js';
import type { KfenceReport } from '../../src/report/types.js';
import { addStamps, asJournal, fixture, stripStamps } from './fixtures.js';

function one(text: string): KfenceReport {
  const { reports } = parseDmesg(text);
  assert.equal(reports.length, 1, `expected one report, got ${reports.length}`);
  return reports[0] as KfenceReport;
}

const fns = (r: KfenceReport['access_stack']): string[] => r.map((f) => f.fn);

describe('report/parse-dmesg: upstream layout (verbatim kernel docs)', () => {
  it('out-of-bounds read, 1B left, real pointers, no timestamps', () => {
    const r = one(fixture('upstream-oob-read.txt'));
    assert.equal(r.kind, 'out-of-bounds');
    assert.equal(r.access, 'read');
    assert.equal(r.function, 'test_out_of_bounds_read');
    assert.equal(r.offset, '0xa6/0x234');
    assert.equal(r.module, null);
    assert.equal(r.address, '0xffff8c3f2e291fff');
    assert.equal(r.address_hashed, false);
    assert.deepEqual(r.oob, { distance: 1, side: 'left' });
    assert.equal(r.object_index, 72);
    assert.deepEqual(r.object, { index: 72, start: '0xffff8c3f2e292000', end: '0xffff8c3f2e29201f', size: 32, cache: 'kmalloc-32' });
    assert.deepEqual(fns(r.access_stack), ['test_out_of_bounds_read', 'kunit_try_run_case', 'kunit_generic_run_threadfn_adapter', 'kthread', 'ret_from_fork']);
    assert.deepEqual(r.allocated && { task: r.allocated.task, cpu: r.allocated.cpu, at: r.allocated.at_s, n: r.allocated.stack.length }, { task: 484, cpu: 0, at: 32.91933, n: 6 });
    assert.equal(r.freed, null);
    assert.deepEqual(r.cpu, { cpu: 0, uid: null, pid: 484, comm: 'kunit_try_catch', tainted: null, release: '5.13.0-rc3+', build: '#7' });
    assert.equal(r.hardware, 'QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.14.0-2 04/01/2014');
    assert.equal(r.timestamp_s, null);
    assert.equal(r.truncated, false);
    assert.equal(r.text, fixture('upstream-oob-read.txt').trimEnd());
  });

  it('use-after-free read with allocation and free stacks, tainted', () => {
    const r = one(fixture('upstream-uaf-read.txt'));
    assert.equal(r.kind, 'use-after-free');
    assert.equal(r.access, 'read');
    assert.equal(r.object_index, 79);
    assert.equal(r.oob, null);
    assert.equal(r.freed?.task, 488);
    assert.equal(r.freed?.at_s, 33.871358);
    assert.deepEqual(fns(r.freed?.stack ?? []).slice(0, 2), ['test_use_after_free_read', 'kunit_try_run_case']);
    assert.equal(r.cpu?.tainted, 'G    B');
    assert.equal(r.cpu?.pid, 488);
  });

  it('invalid free', () => {
    const r = one(fixture('upstream-invalid-free.txt'));
    assert.equal(r.kind, 'invalid-free');
    assert.equal(r.access, null);
    assert.equal(r.function, 'test_double_free');
    assert.equal(r.address, '0xffff8c3f2e2a4000');
    assert.equal(r.object_index, 81);
    assert.ok(r.allocated && r.freed);
  });

  it('memory corruption keeps the byte pattern', () => {
    const r = one(fixture('upstream-corruption.txt'));
    assert.equal(r.kind, 'memory-corruption');
    assert.equal(r.access, null);
    assert.deepEqual(r.corruption, ['0xac', '.', '.', '.', '.', '.', '.']);
    assert.equal(r.object_index, 156);
    assert.equal(r.object?.size, 73);
    assert.equal(r.object?.cache, 'kmalloc-96');
  });

  it('invalid read has no object', () => {
    const r = one(fixture('upstream-invalid-read.txt'));
    assert.equal(r.kind, 'invalid-access');
    assert.equal(r.access, 'read');
    assert.equal(r.address, '0xffffffffb670b00a');
    assert.equal(r.object_index, null);
    assert.equal(r.object, null);
    assert.equal(r.cpu?.tainted, 'G        W');
  });

  it('6.12: out-of-bounds write right in a module, hashed pointers, UID, "ago", separate Tainted line', () => {
    const r = one(fixture('upstream-6.12-oob-write-right.txt'));
    assert.equal(r.kind, 'out-of-bounds');
    assert.equal(r.access, 'write');
    assert.equal(r.module, 'kfleet_bug');
    assert.equal(r.access_stack[0]?.module, 'kfleet_bug');
    assert.equal(r.access_stack[1]?.module, null);
    assert.deepEqual(r.oob, { distance: 32, side: 'right' });
    assert.equal(r.address, '0x000000004c5f1d2e');
    assert.equal(r.address_hashed, true);
    assert.equal(r.allocated?.ago_s, 0.008612);
    assert.equal(r.cpu?.uid, 0);
    assert.equal(r.cpu?.comm, 'insmod');
    assert.equal(r.cpu?.tainted, 'G    B      OE');
    assert.equal(r.cpu?.release, '6.12.117+deb12-amd64');
    assert.equal(r.cpu?.build, '#1  Debian 6.12.117-1');
    assert.equal(r.timestamp_s, 812.331907);
    assert.ok(r.text.includes('Tainted: [B]=BAD_PAGE'));
    assert.ok(!r.text.includes('[  812.'), 'stamps are removed from the text');
  });

  it('6.12: use-after-free write, module with build id, rcu freed, Workqueue line', () => {
    const r = one(fixture('upstream-6.12-uaf-write-rcu.txt'));
    assert.equal(r.kind, 'use-after-free');
    assert.equal(r.access, 'write');
    assert.equal(r.module, 'kfleet_bug');
    assert.equal(r.freed?.rcu, true);
    assert.equal(r.freed?.task, 0);
    assert.equal(r.cpu?.comm, 'kworker/1:2');
    assert.ok(r.text.endsWith('='.repeat(66)));
    assert.ok(r.text.includes('Workqueue: events bad_uaf_work [kfleet_bug]'));
  });

  it('invalid write with a hashed pointer', () => {
    const r = one(fixture('upstream-invalid-write-hashed.txt'));
    assert.equal(r.kind, 'invalid-access');
    assert.equal(r.access, 'write');
    assert.equal(r.address_hashed, true);
    assert.equal(r.access_stack[1]?.module, 'fastnic');
  });
});

describe('report/parse-dmesg: Alinux layout', () => {
  it('out-of-bounds read left in ext4, Kdump: loaded in the CPU line, per-area index', () => {
    const r = one(fixture('alinux-oob-read-left.txt'));
    assert.equal(r.kind, 'out-of-bounds');
    assert.equal(r.module, 'ext4');
    assert.deepEqual(r.oob, { distance: 8, side: 'left' });
    assert.equal(r.object_index, 3);
    assert.equal(r.cpu?.comm, 'java');
    assert.equal(r.cpu?.release, '5.10.134-17.al8.x86_64');
    assert.equal(r.hardware, 'Alibaba Cloud Alibaba Cloud ECS, BIOS 2221b89 04/01/2014');
    assert.equal(r.allocated?.ago_s, null);
  });

  it('out-of-bounds write right, index beyond the upstream pool', () => {
    const r = one(fixture('alinux-oob-write-right.txt'));
    assert.deepEqual([r.kind, r.access, r.module, r.object_index], ['out-of-bounds', 'write', 'virtio_ring', 130814]);
    assert.deepEqual(r.oob, { distance: 1, side: 'right' });
  });

  it('use-after-free write on an order-0 page object (cache=PAGE)', () => {
    const r = one(fixture('alinux-uaf-write-page.txt'));
    assert.deepEqual([r.kind, r.access], ['use-after-free', 'write']);
    assert.equal(r.object?.cache, 'PAGE');
    assert.equal(r.object?.size, 4096);
    assert.equal(r.freed?.task, 7790);
  });

  it('use-after-free read', () => {
    const r = one(fixture('alinux-uaf-read.txt'));
    assert.deepEqual([r.kind, r.access, r.function], ['use-after-free', 'read', 'tcp_retransmit_timer']);
  });

  it('memory corruption with ! bytes, followed by the fault=panic panic', () => {
    const p = parseDmesg(fixture('alinux-corruption-panic.txt'));
    assert.equal(p.reports.length, 1);
    const r = p.reports[0] as KfenceReport;
    assert.equal(r.kind, 'memory-corruption');
    assert.deepEqual(r.corruption?.slice(0, 4), ['!', '!', '!', '.']);
    assert.equal(r.corruption?.length, 16);
    assert.equal(r.truncated, false);
    assert.deepEqual(p.status.map((s) => s.kind), ['panic']);
  });

  it('invalid free and invalid read', () => {
    const f = one(fixture('alinux-invalid-free.txt'));
    assert.deepEqual([f.kind, f.function, f.access_stack[1]?.module], ['invalid-free', 'kfree', 'mlx5_core']);
    const i = one(fixture('alinux-invalid-read.txt'));
    assert.deepEqual([i.kind, i.access, i.module], ['invalid-access', 'read', 'xfs']);
  });

  it('journalctl -k prefixes: invalid write', () => {
    const r = one(fixture('journal-alinux-invalid-write.txt'));
    assert.deepEqual([r.kind, r.access, r.function, r.module], ['invalid-access', 'write', '__memcpy', null]);
    assert.equal(r.access_stack.length, 3);
    assert.equal(r.cpu?.comm, 'rdma_worker');
    assert.equal(r.timestamp_s, null);
    assert.ok(!r.text.includes('kernel:'));
  });
});

describe('report/parse-dmesg: prefixes are transparent', () => {
  const names = ['upstream-oob-read.txt', 'upstream-uaf-read.txt', 'upstream-invalid-free.txt', 'upstream-corruption.txt', 'upstream-invalid-read.txt'];
  for (const name of names) {
    it(`${name}: same report with dmesg stamps, journal prefixes, CRLF and caller ids`, () => {
      const plain = one(fixture(name));
      const variants = [
        addStamps(fixture(name), 33.5),
        asJournal(fixture(name)),
        `${asJournal(fixture(name)).replace(/\n/g, '\r\n')}`,
        addStamps(fixture(name), 1.25).replace(/^(\[ *[\d.]+\])/gm, '$1[  T484]'),
        addStamps(fixture(name), 7).replace(/^/gm, 'kern  :err   : '),
        addStamps(fixture(name), 7).replace(/^/gm, '<3>'),
      ];
      for (const v of variants) {
        const r = one(v);
        assert.deepEqual({ ...r, timestamp_s: null }, plain);
      }
      assert.equal(one(addStamps(fixture(name), 33.5)).timestamp_s, 33.5);
    });
  }

  it('stamped fixtures equal their unstamped text', () => {
    const a = one(fixture('alinux-uaf-write-page.txt'));
    const b = one(stripStamps(fixture('alinux-uaf-write-page.txt')));
    assert.deepEqual({ ...a, timestamp_s: null }, b);
  });

  it('splitLogLine keeps the leading space of a frame and strips one separator space', () => {
    assert.deepEqual(splitLogLine('[   32.919330]  test_alloc+0xfe/0x738'), { ts: 32.91933, msg: ' test_alloc+0xfe/0x738' });
    assert.deepEqual(splitLogLine('Nov 25 10:02:11 web-01 kernel:  kthread+0x176/0x1b0'), { ts: null, msg: ' kthread+0x176/0x1b0' });
    assert.deepEqual(splitLogLine('2026-11-25T10:02:11+0000 web-01 kernel: kfence: disabled'), { ts: null, msg: 'kfence: disabled' });
    assert.deepEqual(splitLogLine('[  812.331907] web-01 kernel: kfence: disabled'), { ts: 812.331907, msg: 'kfence: disabled' });
    assert.deepEqual(splitLogLine('[  812.331907] '), { ts: 812.331907, msg: '' });
  });
});

describe('report/parse-dmesg: real logs', () => {
  it('interleaved unrelated lines are left out, two reports, status lines in order', () => {
    const p = parseDmesg(fixture('mixed-interleaved.txt'));
    assert.equal(p.reports.length, 2);
    const [a, b] = p.reports as [KfenceReport, KfenceReport];
    assert.deepEqual([a.kind, a.access, a.function], ['use-after-free', 'read', 'sock_def_readable']);
    assert.deepEqual(fns(a.access_stack), ['sock_def_readable', 'tcp_data_queue', 'tcp_rcv_established']);
    assert.deepEqual(fns(a.allocated?.stack ?? []), ['__kmalloc', 'sk_prot_alloc']);
    assert.ok(!a.text.includes('IPv6') && !a.text.includes('audit'), 'other lines are not part of the report');
    assert.equal(a.truncated, false);
    assert.equal(a.timestamp_s, 120.000001);
    assert.deepEqual([b.kind, b.access, b.module, b.object_index], ['out-of-bounds', 'write', null, 130700]);
    assert.equal(b.access_stack[1]?.module, 'bonding');
    assert.deepEqual(
      p.status.map((s) => [s.kind, s.timestamp_s]),
      [
        ['initialized', 0.412233],
        ['disabled', 300.1],
        ['freed', 300.2],
        ['failure', 301],
        ['initialized', 302],
        ['re-enabled', 411],
      ],
    );
    assert.deepEqual(p.status[0], { kind: 'initialized', message: 'initialized - using 2097152 bytes for 255 objects on node 0', bytes: 2097152, objects: 255, node: 0, timestamp_s: 0.412233 });
    assert.equal(p.status[2]?.bytes, 2097152);
    assert.equal(p.status[3]?.node, 0);
    assert.equal(p.status[4]?.objects, 131071);
  });

  it('upstream status lines: late init with an address range, init_late failure', () => {
    const p = parseDmesg(
      '[   40.1] kfence: initialized - using 2097152 bytes for 255 objects at 0x000000003e5f7a1c-0x00000000c0a1b2d3\n[   41.0] kfence: kfence_init_late failed\n[   42.0] kfence: something new\n',
    );
    assert.deepEqual(p.status.map((s) => s.kind), ['initialized', 'failure', 'other']);
    assert.equal(p.status[0]?.objects, 255);
    assert.equal(p.status[0]?.node, undefined);
  });

  it('a report whose start was lost to a ring buffer wrap parses as far as it goes', () => {
    const p = parseDmesg(fixture('truncated-head.txt'));
    assert.equal(p.reports.length, 2);
    const [cut, whole] = p.reports as [KfenceReport, KfenceReport];
    assert.equal(cut.truncated, true);
    assert.equal(cut.kind, 'unknown');
    assert.equal(cut.function, 'tcp_retransmit_timer', 'the surviving access frames are kept');
    assert.equal(cut.access_stack.length, 4);
    assert.equal(cut.object?.cache, 'kmalloc-256');
    assert.equal(cut.freed?.stack.length, 2);
    assert.equal(cut.cpu?.comm, 'swapper/4');
    assert.equal(whole.truncated, false);
    assert.equal(whole.kind, 'invalid-access');
  });

  it('a report cut at the end of the log is truncated and keeps what arrived', () => {
    const r = one(fixture('truncated-tail.txt'));
    assert.equal(r.truncated, true);
    assert.deepEqual([r.kind, r.access, r.module], ['out-of-bounds', 'write', 'virtio_ring']);
    assert.equal(r.allocated?.stack.length, 1);
    assert.equal(r.cpu, null);
  });

  it('a new BUG line closes the previous unfinished report as truncated', () => {
    const first = fixture('upstream-oob-read.txt').split('\n').slice(0, 12).join('\n');
    const p = parseDmesg(`${first}\n${fixture('upstream-uaf-read.txt')}`);
    assert.equal(p.reports.length, 2);
    assert.equal(p.reports[0]?.truncated, true);
    assert.equal(p.reports[0]?.kind, 'out-of-bounds');
    assert.equal(p.reports[1]?.truncated, false);
    assert.equal(p.reports[1]?.kind, 'use-after-free');
  });

  it('every fixture concatenated: one report per file, in order', () => {
    const names = [
      'upstream-oob-read.txt',
      'alinux-uaf-read.txt',
      'upstream-corruption.txt',
      'journal-alinux-invalid-write.txt',
      'upstream-6.12-uaf-write-rcu.txt',
    ];
    const p = parseDmesg(names.map(fixture).join('random: crng init done\n'));
    assert.deepEqual(
      p.reports.map((r) => [r.kind, r.truncated]),
      [
        ['out-of-bounds', false],
        ['use-after-free', false],
        ['memory-corruption', false],
        ['invalid-access', false],
        ['use-after-free', false],
      ],
    );
  });

  it('KASAN reports and WARN traces are not KFENCE reports', () => {
    const kasan = [
      '==================================================================',
      'BUG: KASAN: slab-out-of-bounds in foo+0x1/0x2',
      'Read of size 8 at addr ffff888003a5e8f8 by task x/1',
      ' foo+0x1/0x2',
      'Allocated by task 1:',
      '==================================================================',
      'WARNING: CPU: 0 PID: 1 at mm/x.c:1 bar+0x1/0x2',
      ' bar+0x1/0x2',
      '---[ end trace 0000000000000000 ]---',
    ].join('\n');
    assert.deepEqual(parseDmesg(kasan).reports, []);
  });
});

describe('report/parse-dmesg: captured from a real kernel', () => {
  // Serial console of a Debian 6.12.117 QEMU guest (test/vm) running the kfleet test module:
  // console_loglevel drops the stack and object lines (printed below KERN_ERR), and dropbear's
  // `[pid] date ...` lines are interleaved.
  it('both reports of the console capture, without stacks', () => {
    const p = parseDmesg(fixture('real-6.12-console.txt'));
    assert.equal(p.reports.length, 2);
    const [uaf, oob] = p.reports as [KfenceReport, KfenceReport];
    assert.deepEqual([uaf.kind, uaf.access, uaf.function, uaf.offset, uaf.module], ['use-after-free', 'read', 'kfleet_uaf_read', '0x16/0x30', 'kfleet_kfence_test']);
    assert.deepEqual([uaf.address, uaf.address_hashed, uaf.object_index], ['0x0000000071853d45', true, 9]);
    assert.deepEqual(uaf.access_stack, []);
    assert.equal(uaf.cpu?.tainted, 'G           OE');
    assert.equal(uaf.cpu?.build, '#1  Debian 6.12.117-1~deb12u1');
    assert.equal(uaf.timestamp_s, 10.957301);
    assert.equal(uaf.truncated, false);
    assert.deepEqual([oob.kind, oob.access, oob.function, oob.object_index], ['out-of-bounds', 'read', 'kfleet_oob_read', 83]);
    assert.deepEqual(oob.oob, { distance: 32, side: 'right' });
    assert.equal(oob.cpu?.tainted, 'G    B      OE');
    assert.ok(!uaf.text.includes('dropbear') && !uaf.text.includes('Pubkey'));
  });
});

describe('report/parse-dmesg: object and track line variants', () => {
  it('Anolis `node N:` object prefix, a destroyed cache and missing stacks', () => {
    const text = fixture('upstream-uaf-read.txt')
      .replace('kfence-#79: 0xffff8c3f2e2a0000-0xffff8c3f2e2a001f, size=32, cache=kmalloc-32', 'node 1: kfence-#79: 0xffff8c3f2e2a0000-0xffff8c3f2e2a001f, size=32, cache=<destroyed>')
      .replace(/(freed by task 488 on cpu 2 at 33.871358s:\n)(?: .*\n)+/, '$1 no deallocation stack\n\n');
    const r = one(text);
    assert.equal(r.object?.cache, '<destroyed>');
    assert.equal(r.object?.index, 79);
    assert.deepEqual(r.freed?.stack, []);
    assert.ok(r.text.includes(' no deallocation stack'));
    assert.equal(r.truncated, false);
  });
});
