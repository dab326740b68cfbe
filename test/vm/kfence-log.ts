// The KFENCE report blocks of a kernel log, cut by the tier itself (not by kfleet's parser): the
// witness the VM tests compare kfleet's findings with.

/** The report blocks in dmesg: lines between two "=====" rules, starting at "BUG: KFENCE:". */
export function kfenceReports(dmesg: string): string[][] {
  const lines = dmesg.split('\n').map((l) => l.replace(/^\[\s*\d+\.\d+\]\s?/, ''));
  const reports: string[][] = [];
  let cur: string[] | null = null;
  for (const l of lines) {
    if (/^={60,}$/.test(l)) {
      if (cur && cur.length) reports.push(cur);
      cur = [];
      continue;
    }
    if (cur) cur.push(l);
  }
  return reports.filter((r) => r[0]?.startsWith('BUG: KFENCE:'));
}
