// The kernel log ring of one boot: messages stamped with time since boot, printed like dmesg.

export interface LogLine {
  /** Milliseconds since boot (fractional allowed). */
  at: number;
  text: string;
}

export function stamp(atMs: number): string {
  const us = Math.max(0, Math.round(atMs * 1000));
  const sec = Math.floor(us / 1e6);
  const frac = String(us % 1e6).padStart(6, '0');
  return `[${String(sec).padStart(5, ' ')}.${frac}] `;
}

export class KernelLog {
  readonly lines: LogLine[] = [];
  private readonly max: number;
  constructor(max = 4000) {
    this.max = max;
  }
  add(atMs: number, text: string): void {
    for (const t of text.split('\n')) this.lines.push({ at: atMs, text: t });
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }
  render(): string {
    return this.lines.map((l) => stamp(l.at) + l.text + '\n').join('');
  }
}
