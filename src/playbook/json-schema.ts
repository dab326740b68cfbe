// The JSON Schema of a playbook for editors (yaml-language-server, VS Code, IntelliJ), generated
// from the zod schema in schema.ts: structure and key names from the zod objects, each leaf from
// the input shape it was declared with. Never edited by hand: schema/kfleet-playbook.schema.json
// is this function's output, kept in sync by test/playbook/json-schema.test.ts.
import { z } from 'zod';
import { HealthSchema, KfenceSchema, PlaySchema, PlaybookSchema, RebootSchema, RolloutSchema, SlabsSchema, WebhookSchema, leafInputs } from './schema.js';

/** Where the generated file lives in the repository and the package. */
export const SCHEMA_FILE = 'schema/kfleet-playbook.schema.json';

/**
 * What the JSON Schema cannot say, so an editor may accept a playbook that `kfleet validate`
 * refuses. Each entry names the rule as kfleet's own message says it (the test matches them).
 */
export const NOT_EXPRESSED = [
  'cross-field rules: fault: panic needs acknowledge_panic: true; kfence knobs that do nothing with mode: off; sample_interval with mode: full; booting_max with apply: runtime, mode: full or pool_mode: node; slabs with both only and except, an empty slabs mapping, or a cache listed twice; health given both at the top and under rollout',
  'booting_max: each range\'s end must be above its start',
  'YAML itself: duplicate keys, YAML 1.1 forms (merge keys <<, %YAML 1.1), unknown tags, more than one document',
] as const;

const DESCRIPTION = [
  'A kfleet playbook: one play, or a list of plays. Generated from kfleet\'s own schema (`kfleet schema`).',
  'Run `kfleet validate` for the full check: this schema does not express ' + NOT_EXPRESSED.join('; ') + '.',
].join(' ');

type Json = Record<string, unknown>;

/** Names (for $defs) and hover text of the sections; the keys themselves come from schema.ts. */
function sections(): z.core.$ZodRegistry<{ id?: string; description?: string }> {
  const r = z.registry<{ id?: string; description?: string }>();
  r.add(PlaySchema, { id: 'play', description: 'One play: which hosts (an Ansible pattern) and the KFENCE state they should have.' });
  r.add(KfenceSchema, { id: 'kfence', description: 'The desired KFENCE state; knobs left out are left as they are on the host.' });
  r.add(SlabsSchema, { id: 'slabs', description: 'Which slab caches KFENCE monitors: only these, or all except these (Alinux).' });
  r.add(RolloutSchema, { id: 'rollout', description: 'Phases, failure budgets, soak and promotion of the rollout.' });
  r.add(HealthSchema, { id: 'health', description: 'Health gates checked during the soak after each phase.' });
  r.add(RebootSchema, { id: 'reboot', description: 'Whether and how kfleet reboots hosts whose change needs a reboot.' });
  r.add(WebhookSchema, { id: 'webhook', description: 'A webhook told about the run: start, phase done, halt, revert, new finding, verdict.' });
  return r;
}

export function playbookJsonSchema(): Json {
  const out = z.toJSONSchema(PlaybookSchema, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'throw',
    metadata: sections(),
    override: (ctx) => {
      const input = leafInputs.get(ctx.zodSchema);
      if (!input) return;
      const j = z.toJSONSchema(input, { io: 'input', target: 'draft-2020-12' }) as Json;
      delete j.$schema;
      for (const k of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as Json)[k];
      Object.assign(ctx.jsonSchema, j);
    },
  }) as Json;
  const { $schema, ...rest } = out;
  return { $schema, title: 'kfleet playbook', description: DESCRIPTION, ...rest };
}

/** The file's text: stable key order from the generator, two-space indent, final newline. */
export function playbookJsonSchemaText(): string {
  return JSON.stringify(playbookJsonSchema(), null, 2) + '\n';
}
