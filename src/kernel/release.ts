// Kernel release strings: "5.10.134-16.al8.x86_64", "5.10.84-10.4.al8.x86_64",
// "6.12.117+deb12-amd64", "5.15.0-91-generic". Parsed into the upstream version (major.minor.patch)
// and the distribution's package release numbers (16, [10, 4], [91]), which the Alinux gates use.

export interface KernelRelease {
  raw: string;
  /** [major, minor, patch] */
  version: [number, number, number];
  /** Numeric package release after the first '-': "16" -> [16], "10.4" -> [10, 4]; [] when absent. */
  pkg: number[];
  /** The ".alN" / ".anN" marker (Alibaba Cloud Linux / Anolis) when present. */
  distTag: string | null;
}

const RE = /^(\d+)\.(\d+)(?:\.(\d+))?(.*)$/;

// A fleet runs a handful of releases: parse each once (results are frozen, so sharing is safe).
const parsed = new Map<string, KernelRelease | null>();

export function parseRelease(raw: string): KernelRelease | null {
  let r = parsed.get(raw);
  if (r === undefined) {
    r = parseUncached(raw);
    if (parsed.size > 4096) parsed.clear();
    parsed.set(raw, r);
  }
  return r;
}

function parseUncached(raw: string): KernelRelease | null {
  const m = RE.exec(raw.trim());
  if (!m) return null;
  const version: [number, number, number] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  const rest = m[4] ?? '';
  let pkg: number[] = [];
  const pm = /^-((?:\d+)(?:\.\d+)*)/.exec(rest);
  if (pm?.[1]) pkg = pm[1].split('.').map(Number);
  const tm = /\.(a[ln]\d+)(?:[._]|$)/.exec(rest);
  Object.freeze(version);
  Object.freeze(pkg);
  return Object.freeze({ raw, version, pkg, distTag: tm?.[1] ?? null });
}

function cmpArrays(a: readonly number[], b: readonly number[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Compare two releases: upstream version first, then the package release numbers. */
export function compareRelease(a: KernelRelease, b: KernelRelease): number {
  return cmpArrays(a.version, b.version) || cmpArrays(a.pkg, b.pkg);
}

/** `release >= gate`, gate written like "5.10.134-16" or "5.18". */
export function atLeast(release: KernelRelease, gate: string): boolean {
  const g = parseRelease(gate);
  if (!g) throw new Error(`bad release gate ${gate}`);
  // A gate without a package part compares the upstream version only.
  if (g.pkg.length === 0) return cmpArrays(release.version, g.version) >= 0;
  return compareRelease(release, g) >= 0;
}

export function versionAtLeast(release: KernelRelease, major: number, minor: number): boolean {
  return cmpArrays(release.version, [major, minor, 0]) >= 0;
}
