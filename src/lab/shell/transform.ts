// A just-bash transform plugin that gives output redirections a real shell's failure semantics.
//
//   CMD args > TARGET   becomes   { __lab_open LINE -w TARGET && { CMD args > TARGET; __lab_wstat $? CMD LINE; }; }
//
// __lab_open does the open(2) check (EACCES/ENOENT/EISDIR: "bash: TARGET: Permission denied",
// status 1, CMD not run) and arms TARGET in the session file system; a rejected write to an armed
// path is kept as the session's pending error instead of throwing; __lab_wstat turns it into
// "bash: line 1: echo: write error: Invalid argument" (builtins) or "cat: write error: ..." and status 1,
// and otherwise passes CMD's status through. Background statements (`... &`) become __lab_bg,
// which runs them detached from the session, as nohup'd jobs survive a closed SSH session.

import type { TransformPlugin } from 'just-bash';
import { serialize } from 'just-bash';

type Node = { type: string; [k: string]: unknown };
type Word = Node;

const OUT_OPS = new Set(['>', '>>', '>|', '&>', '&>>']);
const DONE = Symbol('lab-done');

const lit = (value: string): Word => ({ type: 'Word', parts: [{ type: 'Literal', value }] });
const status: Word = { type: 'Word', parts: [{ type: 'ParameterExpansion', parameter: '?', operation: null }] };
const simple = (name: string, args: Word[]): Node => ({ type: 'SimpleCommand', name: lit(name), args, assignments: [], redirections: [], line: 1 });
const pipeline = (commands: Node[]): Node => ({ type: 'Pipeline', commands, negated: false, timed: false, timePosix: false });
const statement = (pipelines: Node[], operators: string[] = []): Node => ({ type: 'Statement', pipelines, operators, background: false, sourceText: '' });
const group = (body: Node[]): Node => ({ type: 'Group', body, redirections: [] });

function wordLiteral(w: unknown): string | undefined {
  const parts = (w as { parts?: { type: string; value?: string }[] } | undefined)?.parts;
  if (!parts || parts.length !== 1 || parts[0]!.type !== 'Literal') return undefined;
  return parts[0]!.value;
}

function firstCommandName(n: unknown): string | undefined {
  if (!n || typeof n !== 'object') return undefined;
  const node = n as Node;
  if (node.type === 'SimpleCommand') return wordLiteral(node.name);
  for (const v of Object.values(node)) {
    if (Array.isArray(v)) {
      for (const x of v) {
        const r = firstCommandName(x);
        if (r) return r;
      }
    } else if (v && typeof v === 'object') {
      const r = firstCommandName(v);
      if (r) return r;
    }
  }
  return undefined;
}

function firstLine(n: unknown): number | undefined {
  if (!n || typeof n !== 'object') return undefined;
  const node = n as Node;
  if (node.type === 'SimpleCommand' && typeof node.line === 'number') return node.line;
  for (const v of Object.values(node)) {
    const r = Array.isArray(v) ? v.map(firstLine).find((x) => x !== undefined) : firstLine(v);
    if (r !== undefined) return r;
  }
  return undefined;
}

function wrapCommand(cmd: Node): Node {
  if ((cmd as Record<symbol, unknown>)[DONE]) return cmd;
  const redirs = (cmd.redirections as Node[] | undefined) ?? [];
  const targets: Word[] = [];
  for (const r of redirs) {
    if (!OUT_OPS.has(r.operator as string) || r.fdVariable) continue;
    const t = r.target as Node;
    if (t?.type !== 'Word') continue;
    const l = wordLiteral(t);
    if (l === '/dev/null') continue;
    targets.push(lit((r.operator as string).includes('>>') ? '-a' : '-w'), t);
  }
  if (targets.length === 0) return cmd;
  if (cmd.type === 'SimpleCommand' && wordLiteral(cmd.name) === 'exec') return cmd;
  if (cmd.type === 'FunctionDef') return cmd;
  (cmd as Record<symbol, unknown>)[DONE] = true;
  const name = cmd.type === 'SimpleCommand' ? wordLiteral(cmd.name) ?? firstCommandName(cmd.name) ?? 'bash' : firstCommandName(cmd) ?? 'bash';
  const line = String(typeof cmd.line === 'number' ? cmd.line : firstLine(cmd) ?? 1);
  const inner = group([statement([pipeline([cmd])]), statement([pipeline([simple('__lab_wstat', [status, lit(name), lit(line)])])])]);
  const outer = group([statement([pipeline([simple('__lab_open', [lit(line), ...targets])]), pipeline([inner])], ['&&'])]);
  (outer as Record<symbol, unknown>)[DONE] = true;
  return outer;
}

function walk(node: unknown): unknown {
  if (!node || typeof node !== 'object') return node;
  if (Array.isArray(node)) return node.map(walk);
  const n = node as Node;
  if ((n as Record<symbol, unknown>)[DONE]) return n;
  if (n.type === 'Statement' && n.background) {
    const fg = { ...n, background: false };
    const script = serialize({ type: 'Script', statements: [fg] } as never);
    return statement([pipeline([simple('__lab_bg', [{ type: 'Word', parts: [{ type: 'SingleQuoted', value: script }] }])])]);
  }
  for (const [k, v] of Object.entries(n)) {
    if (k === 'type') continue;
    (n as Record<string, unknown>)[k] = walk(v);
  }
  if (n.type === 'Pipeline') n.commands = (n.commands as Node[]).map(wrapCommand);
  return n;
}

export const redirectPlugin: TransformPlugin = {
  name: 'lab-redirect-semantics',
  transform(ctx) {
    return { ast: walk(ctx.ast) as typeof ctx.ast };
  },
};
