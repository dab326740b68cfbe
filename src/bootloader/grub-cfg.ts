// Debian/Ubuntu GRUB: the entries of a generated /boot/grub/grub.cfg and which one GRUB_DEFAULT
// selects. Pure. Input is the config, or just its menuentry/submenu/function/linux/closing-brace
// lines (what the probe and the converge read-back send, see GRUB_CFG_FILTER).
import type { BootEntry } from './types.js';

/** The lines of grub.cfg the parser needs (an extended regex for grep -E). */
export const GRUB_CFG_FILTER = '^[[:space:]]*(menuentry|submenu|function|linux|linux16|linuxefi|[}])([[:space:]]|$)';

export interface GrubMenuItem {
  kind: 'menuentry' | 'submenu';
  title: string;
  id: string | null;
  /** menuentry: the kernel image and its args (null when the entry loads no Linux kernel). */
  kernel: string | null;
  args: string;
  children: GrubMenuItem[];
}

/** A GRUB single-quoted word starting at s[i] === "'": its text ('\'' sequences joined). */
function quoted(s: string, i: number): { text: string; end: number } {
  let text = '';
  let j = i;
  while (s[j] === "'") {
    const close = s.indexOf("'", j + 1);
    if (close < 0) return { text: text + s.slice(j + 1), end: s.length };
    text += s.slice(j + 1, close);
    j = close + 1;
    if (s.startsWith("\\''", j)) {
      text += "'";
      j += 2;
    } else break;
  }
  return { text, end: j };
}

function titleAndId(rest: string): { title: string; id: string | null } {
  const r = rest.trim();
  let title: string;
  let after: string;
  if (r.startsWith("'")) {
    const q = quoted(r, 0);
    title = q.text;
    after = r.slice(q.end);
  } else if (r.startsWith('"')) {
    const close = r.indexOf('"', 1);
    title = r.slice(1, close < 0 ? undefined : close);
    after = close < 0 ? '' : r.slice(close + 1);
  } else {
    title = r.split(/\s/)[0] ?? '';
    after = r.slice(title.length);
  }
  const m = /\$menuentry_id_option\s+'([^']*)'|--id[= ]'?([^'\s]+)/.exec(after);
  return { title, id: m ? (m[1] ?? m[2] ?? null) : null };
}

/** The menu tree of a grub.cfg. */
export function parseGrubMenu(text: string): GrubMenuItem[] {
  const root: GrubMenuItem[] = [];
  // Open blocks: a menu item, or null for a block that is not one (function, ...).
  const stack: Array<GrubMenuItem | null> = [];
  const current = (): GrubMenuItem | null => {
    for (let i = stack.length - 1; i >= 0; i--) if (stack[i]) return stack[i] ?? null;
    return null;
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const word = /^(\S+)/.exec(line)?.[1] ?? '';
    if (word === 'menuentry' || word === 'submenu') {
      const { title, id } = titleAndId(line.slice(word.length));
      const item: GrubMenuItem = { kind: word, title, id, kernel: null, args: '', children: [] };
      const parent = current();
      if (parent && parent.kind === 'submenu') parent.children.push(item);
      else if (!parent) root.push(item);
      if (line.endsWith('{')) stack.push(item);
    } else if (word === 'function') {
      if (line.endsWith('{')) stack.push(null);
    } else if (word === '}') {
      stack.pop();
    } else if (word === 'linux' || word === 'linux16' || word === 'linuxefi') {
      const item = stack[stack.length - 1];
      if (!item || item.kind !== 'menuentry') continue;
      const parts = line.slice(word.length).trim().split(/\s+/);
      item.kernel = parts[0] ?? null;
      item.args = parts.slice(1).join(' ');
    }
  }
  return root;
}

/** Every Linux entry in menu order (submenus flattened), indexed from 0. */
export function grubEntries(menu: GrubMenuItem[]): BootEntry[] {
  const out: BootEntry[] = [];
  const walk = (items: GrubMenuItem[]): void => {
    for (const it of items) {
      if (it.kind === 'submenu') walk(it.children);
      else if (it.kernel !== null) {
        const e: BootEntry = { index: out.length, kernel: it.kernel, args: it.args, title: it.title };
        if (it.id) e.id = it.id;
        out.push(e);
      }
    }
  };
  walk(menu);
  return out;
}

function pick(items: GrubMenuItem[], sel: string): GrubMenuItem | null {
  if (/^\d+$/.test(sel)) return items[Number(sel)] ?? null;
  return items.find((i) => i.id === sel || i.title === sel) ?? null;
}

/**
 * The menu entry GRUB boots by default: GRUB_DEFAULT is an index, a title, an id, or a
 * `>`-separated path into submenus; `saved` uses grubenv's saved_entry (or 0 when unset).
 * null when it names nothing (GRUB then falls back to the first entry, which callers may assume).
 */
export function grubDefaultItem(menu: GrubMenuItem[], grubDefault: string, savedEntry: string | null): GrubMenuItem | null {
  let sel = grubDefault.trim() || '0';
  if (sel === 'saved') sel = savedEntry?.trim() || '0';
  let items = menu;
  let found: GrubMenuItem | null = null;
  for (const part of sel.split('>')) {
    found = pick(items, part);
    if (!found) return null;
    items = found.children;
  }
  return found && found.kind === 'menuentry' ? found : null;
}
