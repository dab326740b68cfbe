// Every remote read outside the probe, each a command and its parser (see read.ts).
export { runRead, type RemoteRead } from './read.js';
export { bootIdRead, UUID } from './boot-id.js';
export { rebootMarkerRead, REBOOT_MARKER, type RebootMarker } from './reboot-marker.js';
export { previousBootPanicRead } from './previous-boot-panic.js';
export { bootArgsStateRead, type BootArgsState } from './boot-args-state.js';
export { trialFactsRead, parseTrialFacts, TRIAL_FACTS_COMMAND, type TrialFacts } from './trial-facts.js';
