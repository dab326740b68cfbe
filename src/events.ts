// The engine emits typed events and never prints. Renderers (src/cli/render-*.ts) subscribe.
// Every event is plain JSON data, so `--json` can stream them as NDJSON unchanged.
// Secrets never go into an event: values are validated data, not credentials.

export type HostStatus =
  | 'ok'
  | 'changed'
  | 'failed'
  | 'unreachable'
  | 'skipped'
  | 'refused'
  | 'pending_reboot'
  | 'rebooted'
  | 'reverted';

export interface EventBase {
  /** ISO time, added by the bus. */
  ts?: string;
}

export type KfleetEvent = EventBase &
  (
    | { type: 'run.start'; run: string; command: string; hosts: number; check: boolean }
    | { type: 'run.end'; run: string; verdict: string; exit_code: number; summary: Record<string, number> }
    | { type: 'phase.start'; run: string; phase: number; of: number; hosts: string[] }
    | { type: 'phase.end'; run: string; phase: number; failed: number; touched: number; verdict: string }
    | { type: 'phase.soak'; run: string; phase: number; ms: number }
    | { type: 'phase.wait_promote'; run: string; phase: number }
    | { type: 'host.connect'; host: string }
    | { type: 'host.facts'; host: string; release: string; ms: number }
    | { type: 'host.plan'; host: string; changes: number; reboot_required: boolean; refused: boolean; bootloader?: string | null }
    | { type: 'host.step'; host: string; knob: string; path: string; value: string; ok: boolean; readback?: string | null; error?: string }
    | { type: 'host.boot_args'; host: string; add: string[]; remove: string[]; ok: boolean; error?: string }
    | { type: 'host.reboot'; host: string; stage: 'fire' | 'down' | 'up' | 'verified' | 'timeout' | 'failed'; boot_id?: string; ms?: number; detail?: string }
    | { type: 'host.health'; host: string; check: string; ok: boolean; detail?: string }
    | { type: 'host.finding'; host: string; signature: string; kind: string; summary: string }
    | { type: 'host.result'; host: string; status: HostStatus; pending_reboot: boolean; detail?: string; error?: { code: string; message: string; hint?: string } }
    | { type: 'warning'; host?: string; message: string }
    | { type: 'info'; message: string }
  );

export type Listener = (e: KfleetEvent) => void;

export class EventBus {
  private listeners: Listener[] = [];
  on(l: Listener): () => void {
    this.listeners.push(l);
    return () => {
      this.listeners = this.listeners.filter((x) => x !== l);
    };
  }
  emit(e: KfleetEvent): void {
    const stamped = e.ts ? e : { ...e, ts: new Date().toISOString() };
    for (const l of this.listeners) l(stamped);
  }
}
