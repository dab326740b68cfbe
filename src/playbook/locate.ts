// From a path in the parsed document ([0, 'kfence', 'mode']) back to file:line:col.
import { isMap, isNode, isScalar, type Node, type Pair } from 'yaml';
import type { Location } from '../errors.js';
import type { YamlSource } from './source.js';

export type Path = readonly (string | number)[];

function pos(src: YamlSource, offset: number): Location {
  return { file: src.file, ...src.lc.linePos(offset) };
}

function nodeAt(src: YamlSource, path: Path): Node | undefined {
  if (path.length === 0) return isNode(src.doc.contents) ? src.doc.contents : undefined;
  const n: unknown = src.doc.getIn(path, true);
  return isNode(n) ? n : undefined;
}

function pairAt(src: YamlSource, parent: Path, key: string): Pair | undefined {
  const map = nodeAt(src, parent);
  if (!isMap(map)) return undefined;
  return map.items.find((p) => (isScalar(p.key) ? String(p.key.value) === key : false));
}

/** The key node of `key` in the mapping at `parent` (for unknown and misplaced keys). */
export function keyLocation(src: YamlSource, parent: Path, key: string): Location {
  const pair = pairAt(src, parent, key);
  if (pair && isNode(pair.key) && pair.key.range) return pos(src, pair.key.range[0]);
  return valueLocation(src, parent);
}

/**
 * The value node at `path`; for an empty value (`key:` with nothing after it) its key; for a
 * path that does not exist (a missing key), the closest existing ancestor.
 */
export function valueLocation(src: YamlSource, path: Path): Location {
  for (let p = path; ; p = p.slice(0, -1)) {
    const n = nodeAt(src, p);
    if (n?.range) {
      const last = p[p.length - 1];
      if (isScalar(n) && n.value === null && n.source === '' && typeof last === 'string') {
        return keyLocation(src, p.slice(0, -1), last);
      }
      return pos(src, n.range[0]);
    }
    if (p.length === 0) return { file: src.file, line: 1, col: 1 };
  }
}

/** Where the key at the end of `path` is written (its key node), or its value's place. */
export function keyOf(src: YamlSource, path: Path): Location {
  const last = path[path.length - 1];
  return typeof last === 'string' ? keyLocation(src, path.slice(0, -1), last) : valueLocation(src, path);
}
