// "Did you mean ...": the closest allowed word by edit distance, for typos in keys and enum values.

/**
 * Levenshtein distance with adjacent transpositions (optimal string alignment): insert, delete,
 * substitute and swap two neighbours each cost 1, so "fial" is one edit from "fail".
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      row[j] = v;
    }
  }
  return at(a.length, b.length);
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/**
 * The allowed word closest to `word`, or undefined when none is close enough to be a plausible
 * typo: at most a third of the word's length (and at least 1) edits away, or sharing its first 5
 * characters; compared case-insensitively with `-`/`_` treated alike.
 */
export function closest(word: string, allowed: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/-/g, '_');
  const w = norm(word);
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestD = Infinity;
  for (const cand of allowed) {
    const d = editDistance(w, norm(cand));
    if (d < bestD) {
      best = cand;
      bestD = d;
    }
  }
  if (bestD <= limit) return best;
  const byPrefix = allowed.filter((c) => commonPrefix(w, norm(c)) >= 5);
  return byPrefix.length === 1 ? byPrefix[0] : undefined;
}
