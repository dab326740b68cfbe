// Test seam for the crash harness: SIGKILL this process right after journal record N is durable
// (KFLEET_CRASH_AFTER_RECORD=N), whichever store holds the journal.
const CRASH_AFTER = Number(process.env.KFLEET_CRASH_AFTER_RECORD ?? '0');
let written = 0;

export function crashAfterRecord(): void {
  if (CRASH_AFTER > 0 && ++written === CRASH_AFTER) process.kill(process.pid, 'SIGKILL');
}
