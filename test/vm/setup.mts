// Prepares the real-kernel test tier (idempotent, cached in test/vm/.cache):
//   npx tsx test/vm/setup.mts
// installs the host packages it lacks (apt-get, as root), downloads and extracts Debian's 6.12
// KFENCE kernel with its headers, builds the test module and the initramfs.
// KFLEET_VM_KERNEL=latest re-resolves the newest kernel; KFLEET_VM_KERNEL=6.12.117+deb12 pins one.
import { ensureVmAssets } from './build/assets.js';

const t0 = Date.now();
const assets = await ensureVmAssets((s) => console.log(`vm setup: ${s}`));
console.log(`vm setup: ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: kernel ${assets.kernel.release} (${assets.kernel.packageVersion}), initramfs ${assets.baseInitramfs}`);
