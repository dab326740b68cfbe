// The generated JSON Schema (src/playbook/json-schema.ts) against a real JSON Schema validator
// (ajv, draft 2020-12, strict): the committed file is the generator's output, every example
// playbook carries the yaml-language-server modeline and validates, and on the bad-input corpus
// the schema rejects exactly what kfleet's schema stage rejects (the gaps it declares aside).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { parsePlaybook } from '../../src/playbook/load.js';
import { NOT_EXPRESSED, SCHEMA_FILE, playbookJsonSchema, playbookJsonSchemaText } from '../../src/playbook/json-schema.js';
import { PlaybookSchema } from '../../src/playbook/schema.js';
import { parseYamlSource } from '../../src/playbook/source.js';
import { InputError } from '../../src/errors.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const EXAMPLES = join(ROOT, 'playbooks');
const BAD = join(ROOT, 'test', 'fixtures', 'bad', 'playbooks');

function validator() {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  return ajv.compile(JSON.parse(readFileSync(join(ROOT, SCHEMA_FILE), 'utf8')) as object);
}

/** Rejections by kfleet's leaf parsers that the schema declares it cannot express. */
const DECLARED_GAPS: Array<{ message: RegExp; gap: string }> = [{ message: /end \S+ is not above start/, gap: "booting_max: each range's end must be above its start" }];

describe('playbook JSON Schema (generated from the zod schema)', () => {
  it(`${SCHEMA_FILE} is the generator's output (run \`kfleet schema > ${SCHEMA_FILE}\` after changing schema.ts)`, () => {
    assert.equal(readFileSync(join(ROOT, SCHEMA_FILE), 'utf8'), playbookJsonSchemaText());
  });

  it('is valid draft 2020-12 for ajv in strict mode, and says what it does not express', () => {
    const s = playbookJsonSchema();
    assert.equal(s.$schema, 'https://json-schema.org/draft/2020-12/schema');
    for (const g of NOT_EXPRESSED) assert.ok(String(s.description).includes(g), g);
    for (const g of DECLARED_GAPS) assert.ok(NOT_EXPRESSED.some((n) => n.includes(g.gap)), g.gap);
    validator();
  });

  const examples = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yml')).sort();
  it('there are example playbooks', () => assert.ok(examples.length >= 5));
  for (const f of examples) {
    it(`playbooks/${f}: carries the modeline to the schema file, and validates`, () => {
      const text = readFileSync(join(EXAMPLES, f), 'utf8');
      const m = /^# yaml-language-server: \$schema=(\S+)$/m.exec(text.split('\n').slice(0, 3).join('\n'));
      assert.ok(m, 'no "# yaml-language-server: $schema=..." line among the first three');
      assert.equal(resolve(EXAMPLES, m[1]!), join(ROOT, SCHEMA_FILE));
      const validate = validator();
      assert.ok(validate(parse(text)), JSON.stringify(validate.errors, null, 1));
      parsePlaybook(text, f); // and kfleet agrees
    });
  }

  it('rejects what kfleet rejects in the small: wrong types, unknown keys, bad enums, bad webhooks', () => {
    const validate = validator();
    const play = (over: Record<string, unknown>) => ({ hosts: 'web', kfence: { mode: 'sampling' }, ...over });
    const cases: Array<[unknown, boolean]> = [
      [play({}), true],
      [[play({}), play({ name: 'second' })], true],
      [[], false],
      [play({ kfence: { mode: 'sampling', sample_interval: '100' } }), false],
      [play({ kfence: { mode: 'sampling', memory_budget: '0%' } }), false],
      [play({ kfence: { mode: 'sampling', memory_budget: '100%' } }), true],
      [play({ kfence: { mode: 'sampling', memory_budget: '512MB' } }), false],
      [play({ kfence: { mode: 'sampling', booting_max: '0-2G:0,2G-:32M' } }), true],
      [play({ kfence: { mode: 'sampling', booting_max: '0-2G' } }), false],
      [play({ rollout: { phases: [1, '10%', { pattern: 'web-0*' }], soak: '1h30m' } }), true],
      [play({ rollout: { phases: [0.1] } }), false],
      [play({ reboot: { timeout: '0s' } }), false],
      [play({ reboot: { timeout: '0s1ms' } }), true],
      [play({ notify: [{ url: 'https://hooks.slack.com/services/T0/B0/x', format: 'slack', events: ['halt', 'verdict'] }] }), true],
      [play({ notify: [{ url: { env: 'KFLEET_WEBHOOK' } }] }), true],
      [play({ notify: [{ url: 'ftp://example.com/x' }] }), false],
      [play({ notify: [{ url: { env: 'KFLEET_WEBHOOK' }, events: ['phase.start'] }] }), false],
      [play({ notify: [{ format: 'json' }] }), false],
      [play({ tasks: [] }), false],
    ];
    for (const [data, want] of cases) {
      assert.equal(validate(data), want, `ajv on ${JSON.stringify(data)}: ${JSON.stringify(validate.errors)}`);
      assert.equal(PlaybookSchema.safeParse(data).success, want, `zod on ${JSON.stringify(data)}`);
    }
  });

  it('agrees with kfleet on the bad-input corpus: the schema errors are rejected, the rest is declared', () => {
    const validate = validator();
    const tally = { yaml: 0, schema: 0, gap: 0, crossField: 0 };
    for (const f of readdirSync(BAD).filter((x) => x.endsWith('.yml')).sort()) {
      const bytes = readFileSync(join(BAD, f));
      let refused: InputError | undefined;
      try {
        parsePlaybook(bytes, f);
      } catch (e) {
        if (e instanceof InputError) refused = e;
      }
      assert.ok(refused, `${f}: kfleet accepts it`);
      const parsed = parseYamlSource(bytes, f);
      if (!parsed.ok) {
        tally.yaml++; // not a document an editor's schema sees
        continue;
      }
      const data = parsed.source.data;
      const ajvOk = validate(data);
      const zod = PlaybookSchema.safeParse(data);
      const gap = DECLARED_GAPS.find((g) => refused.problems.some((p) => g.message.test(p.message)));
      if (!zod.success && gap) {
        assert.equal(ajvOk, true, `${f}: declared as a gap but the schema rejects it`);
        tally.gap++;
      } else if (!zod.success) {
        assert.equal(ajvOk, false, `${f}: a schema error for kfleet (${refused.problems[0]?.message}) that the JSON Schema accepts`);
        tally.schema++;
      } else {
        // Only cross-field rules failed: the JSON Schema (which says it does not express them) accepts.
        assert.equal(ajvOk, true, `${f}: ${JSON.stringify(validate.errors)}`);
        tally.crossField++;
      }
    }
    assert.ok(tally.schema >= 30, JSON.stringify(tally));
    assert.ok(tally.crossField >= 5, JSON.stringify(tally));
    assert.equal(tally.gap, 1, JSON.stringify(tally));
  });

  it('the schema file is inside the package (bin and schema ship together)', () => {
    assert.ok(existsSync(join(ROOT, SCHEMA_FILE)));
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files?: string[] };
    if (pkg.files) assert.ok(pkg.files.some((p) => dirname(SCHEMA_FILE).startsWith(p.replace(/\/$/, '')) || p === SCHEMA_FILE), `package.json "files" lacks ${SCHEMA_FILE}`);
  });
});

describe('kfleet schema (CLI)', function () {
  this.timeout(30_000);
  it('prints the generated schema, and --out writes the same text', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const out = execFileSync(process.execPath, [join(ROOT, 'bin', 'kfleet.js'), 'schema'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(out, readFileSync(join(ROOT, SCHEMA_FILE), 'utf8'));
    const dir = mkdtempSync(join(tmpdir(), 'kfleet-schema-'));
    try {
      execFileSync(process.execPath, [join(ROOT, 'bin', 'kfleet.js'), 'schema', '--out', join(dir, 's.json')], { cwd: ROOT });
      assert.equal(readFileSync(join(dir, 's.json'), 'utf8'), out);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
