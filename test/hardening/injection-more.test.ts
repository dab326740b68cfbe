// Issue 9 part 2, the rest: shell syntax in slab names and booting_max strings (the playbook) and in
// host names (INI and YAML inventories). The spec and the inventory must refuse each with exit 2,
// naming where, before any host is touched: no write on any lab host, no canary file anywhere.
// (health.command is a command by design: see the README's "Reliability" section.)
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CANARY, RUNTIME_PLAY, cli, testLab, writePlaybook, type TestLab } from './support.js';
import { assertWitness, witnessMark } from '../support/witness.js';

const T = `touch ${CANARY}`;
const PAYLOADS = [`$(${T})`, `\`${T}\``, `x; ${T}`, `x\n${T}`, `x && ${T}`, `x | ${T}`, `' "; ${T}; echo '`, `-rf`, `--help`, `x > ${CANARY}`, `../../../../${CANARY}`, `x\0y`];
/** No whitespace: an INI host name ends at the first blank. */
const INI_NAMES = [`$(touch\${IFS}${CANARY})`, `\`touch\${IFS}${CANARY}\``, `x;touch\${IFS}${CANARY}`, `x|touch\${IFS}${CANARY}`, `x&&touch\${IFS}${CANARY}`, `-oProxyCommand=touch\${IFS}${CANARY}`, `x>${CANARY}`, `'x$(touch\${IFS}${CANARY})'`]; // (INI quotes are shlex-split: 'x'"y" would be the plain name xy)

describe('hardening: no injection through slab names, booting_max and host names', function () {
  this.timeout(180_000);
  let lab: TestLab;
  let labLines: string[];
  before(async () => {
    rmSync(CANARY, { force: true });
    lab = await testLab({ hosts: 1, profile: 'upstream-6.12' });
    labLines = readFileSync(lab.inventoryPath, 'utf8').split('\n');
  });
  after(async () => {
    await lab?.cleanup();
  });

  /** Each of plan and apply: nothing written, no canary, then exit `code` with `where` in stderr. */
  async function refused(args: string[], where: RegExp, code = 2): Promise<void> {
    const before = lab.writes().length;
    for (const cmd of [['apply', '--yes'], ['plan']]) {
      const skip = cmd[0] === 'plan' ? ['-i', '--state-dir'] : ['-i']; // (plan keeps no state)
      const common = lab.args().filter((a, i, all) => !(skip.includes(a) || skip.includes(all[i - 1] ?? '')));
      const seenW = await witnessMark(lab);
      const r = await cli([cmd[0]!, ...args, ...common, ...cmd.slice(1)]);
      await assertWitness(lab, seenW, { exitCode: r.code, stdout: r.stdout });
      assert.deepEqual(lab.writes().slice(before), [], 'no lab host may be written');
      assert.deepEqual(await lab.canaryFound(), [], 'the canary must not appear');
      assert.doesNotMatch(r.stderr, /internal error/);
      assert.equal(r.code, code, `${cmd[0]}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout + r.stderr, where, r.stderr);
    }
  }

  const play = (kfence: Record<string, unknown>): string =>
    stringify({ name: 'inj', hosts: 'lab', kfence: { mode: 'sampling', sample_interval: 150, apply: 'both', ...kfence }, rollout: { phases: ['100%'], soak: '0s' } });

  for (const [i, p] of PAYLOADS.entries()) {
    it(`slab name #${i + 1} ${JSON.stringify(p).slice(0, 36)}: ${p.startsWith('-') ? 'refused per host (SLAB_UNKNOWN, exit 4)' : 'exit 2 at the slab'}, nothing written`, async () => {
      // An option-looking name is legal cache-name syntax; it only ever appears inside a quoted
      // /sys/kernel/slab/NAME/ path (never as an argument), and the host refuses it as unknown.
      const optionLike = p.startsWith('-');
      const where = (f: string) => (optionLike ? /SLAB_UNKNOWN/ : new RegExp(`${f}\\.yml:\\d+:\\d+`));
      const pb = writePlaybook(lab.dir, `slab-${i}.yml`, play({ slabs: { only: ['kmalloc-64', p] } }));
      await refused([pb, '-i', lab.inventoryPath], where(`slab-${i}`), optionLike ? 4 : 2);
      const pb2 = writePlaybook(lab.dir, `slab-x-${i}.yml`, play({ slabs: { except: [p] } }));
      await refused([pb2, '-i', lab.inventoryPath], where(`slab-x-${i}`), optionLike ? 4 : 2);
    });
    it(`booting_max #${i + 1} ${JSON.stringify(p).slice(0, 36)}: exit 2 at booting_max, nothing written`, async () => {
      for (const [j, v] of [p, `0-2G:0,2G-:2M${p}`, `${p}0-2G:0`].entries()) {
        const pb = writePlaybook(lab.dir, `bm-${i}-${j}.yml`, play({ booting_max: v }));
        await refused([pb, '-i', lab.inventoryPath], new RegExp(`bm-${i}-${j}\\.yml:\\d+:\\d+`));
      }
    });
  }

  // The lab host's connection line under a hostile name: if the name were accepted, kfleet would
  // connect to the lab host and could write it.
  const connVars = (): string => labLines.find((l) => l.startsWith('lab-001 '))!.replace(/^lab-001 /, '');
  for (const [i, name] of INI_NAMES.entries()) {
    it(`INI host name #${i + 1} ${JSON.stringify(name)}: exit 2, nothing written`, async () => {
      const inv = join(lab.dir, `ini-${i}.ini`);
      writeFileSync(inv, `[lab]\n${name} ${connVars()}\n`);
      const pb = writePlaybook(lab.dir, 'rt.yml', RUNTIME_PLAY);
      await refused([pb, '-i', inv], new RegExp(`ini-${i}\\.ini(:\\d+)?`));
    });
  }
  for (const [i, name] of PAYLOADS.entries()) {
    it(`YAML inventory host name #${i + 1} ${JSON.stringify(name).slice(0, 36)}: exit 2, nothing written`, async () => {
      const dir = join(lab.dir, `yinv-${i}`);
      mkdirSync(dir, { recursive: true });
      const vars = Object.fromEntries(connVars().split(' ').map((kv) => kv.split('=', 2) as [string, string]).map(([k, v]) => [k, /^\d+$/.test(v) ? Number(v) : v]));
      writeFileSync(join(dir, 'hosts.yml'), stringify({ all: { children: { lab: { hosts: { [name]: vars } } } } }));
      const pb = writePlaybook(lab.dir, 'rt.yml', RUNTIME_PLAY);
      await refused([pb, '-i', join(dir, 'hosts.yml')], /hosts\.yml(:\d+)?/);
    });
  }
});
