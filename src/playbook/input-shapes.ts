// What each leaf parser in values.ts accepts, as zod input schemas: used only to generate the JSON
// Schema for editors (json-schema.ts). The leaf parsers stay the validator (their messages and
// hints are kfleet's); test/playbook/json-schema.test.ts checks the two agree on the examples and
// on the bad-input corpus. Patterns are ECMAScript regexes without flags (JSON Schema's dialect).
import { z } from 'zod';

/** A memparse() number: decimal without a leading zero, or hex; optional K/M/G/T/P/E suffix. */
const MEM = '(?:0|[1-9][0-9]*|0[xX][0-9a-fA-F]+)[kKmMgGtTpPeE]?';
/** The same, above zero. */
const MEM_NONZERO = '(?:[1-9][0-9]*|0[xX](?=[0-9a-fA-F]*[1-9a-fA-F])[0-9a-fA-F]+)[kKmMgGtTpPeE]?';
/** A share above 0% and at most 100% ("10%", "0.5%", "100%"). */
const SHARE = '0*(?:100(?:\\.0+)?|[1-9][0-9]?(?:\\.[0-9]+)?|0\\.[0-9]*[1-9][0-9]*)%';

const trimmed = (core: string) => new RegExp(`^\\s*(?:${core})\\s*$`);

export const shape = {
  bool: () => z.boolean(),
  int: (min: number, max?: number) => (max === undefined ? z.number().int().min(min) : z.number().int().min(min).max(max)),
  number: (min: number, max: number) => z.number().min(min).max(max),
  oneOf: <T extends string>(values: readonly T[]) => z.enum(values as [T, ...T[]]),
  text: (description: string) => z.string().regex(/\S/).describe(description),
  /** duration(): a whole number of seconds, or 500ms / 90s / 10m / 1h30m. */
  duration: (nonZero = false) =>
    z
      .union([
        z.number().int().min(nonZero ? 1 : 0),
        z.string().regex(trimmed(`${nonZero ? '(?!(?:0+(?:ms|s|m|h))+\\s*$)' : ''}(?:[0-9]+(?:ms|s|m|h))+`)),
      ])
      .describe('a duration: 500ms, 90s, 10m, 1h, 1h30m, or a whole number of seconds'),
  /** budget(): "10%" of RAM or a size like "512M". */
  budget: () => z.string().regex(trimmed(`${SHARE}|${MEM_NONZERO}`)).describe('a share of RAM like "10%" or a size like "512M" or "2G"'),
  /** phaseShare(): a host count or a share. */
  phaseShare: () => z.union([z.number().int().min(1), z.string().regex(trimmed(SHARE))]),
  numObjects: () => z.union([z.literal('auto'), z.number().int().min(1)]),
  slabName: () => z.string().regex(/^(?!\.\.?$)[A-Za-z0-9_.:-]+$/).describe('a directory name under /sys/kernel/slab, e.g. kmalloc-64'),
  /** bootingMax(): <start>-[<end>]:<size>[,...], or null. */
  bootingMax: () =>
    z
      .union([z.null(), z.string().regex(new RegExp(`^${MEM}-(?:${MEM})?:${MEM}(?:,${MEM}-(?:${MEM})?:${MEM})*$`))])
      .describe('<start>-[<end>]:<size>[,...], e.g. 0-2G:0,2G-32G:2M,32G-:32M (each end above its start); null removes it'),
  /** A webhook address: http(s) URL, or {env: NAME} to read it from the environment. */
  webhookUrl: () =>
    z.union([
      z.string().regex(/^\s*https?:\/\/[^\s/?#]+\S*\s*$/).describe('an http(s) URL'),
      z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/) }).describe('the name of an environment variable holding the URL (keeps the secret out of the playbook)'),
    ]),
};
