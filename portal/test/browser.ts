import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Browser tests need Debian's chromium. Where it is missing they are skipped
 * with a message, except under CI, where a missing browser is a failure.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(`chromium not found at ${CHROMIUM}: CI must install it (apt-get install chromium)`);
  console.warn(`[browser tests skipped] chromium not found at ${CHROMIUM}; install Debian's chromium to run them`);
  return false;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // WebGL through SwiftShader: headless machines have no GPU
      '--enable-unsafe-swiftshader',
      '--use-angle=swiftshader',
    ],
  });
}

/** The portal must be built for the server to serve it. */
/** The portal must be built for the server to serve it; vitest's global setup (portal/test/global-setup.ts) builds it once. */
export function ensurePortalBuild(): void {
  if (!existsSync('portal/build/handler.js')) throw new Error('portal/build is missing: run the tests through vitest (its global setup builds the portal) or `npm run build`');
}
