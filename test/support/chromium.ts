// Headless Chromium for browser tests (Debian's `chromium` package; the flags that work here), and
// a pixel check for screenshots: count pixels near given colours by drawing the PNG on a canvas.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(dir: string, viewport = { width: 1360, height: 1000 }): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (CI must install it too)`);
  return chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport,
  });
}

/** Pixels of `png` within 5 per channel of each colour (#rrggbb), counted in `page` (any page that allows data: images). */
export async function colourCounts(page: Page, png: Buffer, colours: Record<string, string>): Promise<Record<string, number>> {
  return page.evaluate(
    async ({ data, colours }) => {
      const img = new Image();
      img.src = `data:image/png;base64,${data}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const g = c.getContext('2d')!;
      g.drawImage(img, 0, 0);
      const px = g.getImageData(0, 0, c.width, c.height).data;
      const want = Object.entries(colours).map(([k, hex]) => [k, parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)] as const);
      const out: Record<string, number> = Object.fromEntries(want.map(([k]) => [k, 0]));
      for (let i = 0; i < px.length; i += 4) for (const [k, r, gg, b] of want) if (Math.abs(px[i]! - r) < 6 && Math.abs(px[i + 1]! - gg) < 6 && Math.abs(px[i + 2]! - b) < 6) out[k]!++;
      return out;
    },
    { data: png.toString('base64'), colours },
  );
}
