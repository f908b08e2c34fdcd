/**
 * Shared set-up of the browser tests: Debian's Chromium driven by
 * playwright-core, a signed-in page, and screenshots written only on request
 * (MOAT_SCREENSHOTS=1) so CI never dirties the tree.
 */
import { access, mkdir } from 'node:fs/promises';
import { constants } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
/** dist/ui, as `npm run build` leaves it (this file runs from dist/test/browser). */
const UI_INDEX = fileURLToPath(new URL('../../ui/index.html', import.meta.url));
const SCREENSHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));

/** Why the browser tests cannot run here, or undefined when they can. Throws in CI: there they must run. */
export async function browserUnavailableReason(): Promise<string | undefined> {
  const problems: string[] = [];
  if (!(await access(CHROMIUM_PATH, constants.X_OK).then(() => true, () => false))) problems.push(`Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium)`);
  if (!(await access(UI_INDEX).then(() => true, () => false))) problems.push('the UI is not built (npm run build)');
  if (problems.length === 0) return undefined;
  const reason = problems.join('; ');
  if (process.env.CI === 'true') throw new Error(`${reason}: required in CI`);
  return reason;
}

/** Root in CI containers: Chromium's own sandbox needs user namespaces it does not get there. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'], headless: true });
}

/** Writes docs/screenshots/<name>.png when MOAT_SCREENSHOTS=1. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.MOAT_SCREENSHOTS !== '1') return;
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: false });
}

/** Signs in through the login form (Enter submits) and waits for the signed-in header. */
export async function signIn(page: Page, base: string, username: string, password: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Password').press('Enter');
  await page.getByTestId('current-user').filter({ hasText: username }).waitFor();
}

/** Collects Content-Security-Policy violations and page errors; the UI must cause none. */
export function watchPageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content[- ]Security[- ]Policy/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return problems;
}
