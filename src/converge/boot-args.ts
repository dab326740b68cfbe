// Kernel command line changes and their read-back, through the host's bootloader: the scripts and
// checks live in the bootloader port (src/bootloader/scripts.ts); converge, rollback and the
// revert path import them from here.
export { buildBootArgsScript, isManagedKey, kfenceTokens, parseBootArgsOutput, verifyBootArgs } from '../bootloader/scripts.js';
