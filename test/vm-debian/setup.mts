// Prepares the Debian VM tier (idempotent, cached by content in test/vm-debian/.cache):
//   npx tsx test/vm-debian/setup.mts
// installs the host packages it lacks (apt-get, as root) and builds the Debian 12 image once.
import { ensurePackages } from '../vm/build/host-packages.js';
import { ensureImage, HOST_PACKAGES } from './build/image.js';

const t0 = Date.now();
const log = (s: string): void => console.log(`vm-debian setup: ${s}`);
await ensurePackages(HOST_PACKAGES, log);
const img = await ensureImage(log);
console.log(`vm-debian setup: ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: image ${img.hash} (kernel ${img.defaultKernel}; built in ${img.seconds['total']} s: ${JSON.stringify(img.seconds)})`);
