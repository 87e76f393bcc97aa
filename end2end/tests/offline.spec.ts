// Offline reading in Chromium against the release server: the manifest and the service worker
// register cleanly, pages visited stay readable without a network, a page never visited gives
// the offline page, a new library shows once back online, and with login on nothing is kept
// before login and everything goes at logout; "Save for offline" keeps a book, and the library.

import { expect, Page, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import {
  App, debugBinary, generateLibrary, startApp, startTestkit, tempDir, waitForLog, waitForSync,
} from './support/servers';

const book = (id: string) => `/book?id=${encodeURIComponent(id)}`;
const warAndPeace = book('file:///mnt/onboard/Tolstoy, Leo/War and Peace - Leo Tolstoy.kepub.epub');

let app: App | undefined;
test.afterEach(() => app?.stop());

/**
 * No network: the page's own requests fail (`setOffline`), and the server is gone, since
 * Chromium's offline emulation does not reach the service worker's fetches.
 */
async function goOffline(page: Page, app: App) {
  await page.context().setOffline(true);
  app.stop();
}

/** Waits until the service worker controls the page (it claims pages as it activates). */
async function controlled(page: Page) {
  await page.evaluate(() => navigator.serviceWorker.ready);
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
}

const cacheNames = (page: Page) => page.evaluate(() => caches.keys());
/** The addresses of the pages kept, least recently used first (the worker keeps them behind the answer). */
const keptPages = (page: Page) =>
  page.evaluate(async () =>
    (await (await caches.open('kobo-shelf-pages')).keys()).map((r) => new URL(r.url).pathname + new URL(r.url).search));
const registrations = (page: Page) => page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length);

test('the manifest and the service worker register without page errors', async ({ page, request }) => {
  app = await startApp();
  await waitForSync(app, (s) => s.status === 'completed');
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  await page.goto(app.url);
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  const manifest = await request.get(`${app.url}${href}`);
  expect(manifest.headers()['content-type']).toBe('application/manifest+json');
  const { display, start_url, icons } = await manifest.json();
  expect([display, start_url]).toEqual(['standalone', '/']);
  for (const icon of icons) {
    const image = await request.get(`${app.url}${icon.src}`);
    expect(image.headers()['content-type'], icon.src).toBe('image/png');
    expect((await image.body()).readUInt32BE(16), icon.src).toBe(Number(icon.sizes.split('x')[0]));
  }
  await controlled(page);
  const worker = await request.get(`${app.url}/sw.js`);
  expect(worker.headers()['content-security-policy']).toBe("default-src 'self'");
  expect(await registrations(page)).toBe(1);
  const devtools = await page.context().newCDPSession(page);
  const { installabilityErrors } = await devtools.send('Page.getInstallabilityErrors');
  // A Playwright context is an incognito profile, where nothing installs; every other criterion holds.
  const unmet = installabilityErrors.map((error: { errorId: string }) => error.errorId).filter((id: string) => id !== 'in-incognito');
  expect(unmet, "Chromium's installability criteria").toEqual([]);
  expect(errors).toEqual([]);
});

test('the pages kept are bounded: the least recently used goes first', async ({ page }) => {
  app = await startApp({ KOBO_SHELF_OFFLINE_PAGES: '2' });
  await waitForSync(app, (s) => s.status === 'completed');
  await page.goto(app.url);
  await controlled(page);
  for (const address of ['/', warAndPeace, '/stats']) {
    await page.goto(`${app.url}${address}`);
    await expect.poll(() => keptPages(page)).toContain(address);
  }
  expect(await keptPages(page)).toEqual([warAndPeace, '/stats']);
});

test('pages visited stay readable offline; a page never visited lists the books kept', async ({ page }) => {
  app = await startApp();
  await waitForSync(app, (s) => s.status === 'completed');
  await page.goto(app.url);
  await controlled(page);
  await page.reload(); // now through the worker: the page and the bundle are kept
  await page.getByRole('link', { name: 'War and Peace' }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('War and Peace');
  await page.goto(`${app.url}/`);
  await page.getByRole('link', { name: 'Pride and Prejudice' }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Pride and Prejudice');
  await expect.poll(async () => (await keptPages(page)).filter((kept) => kept.startsWith('/book')).length).toBe(2);

  await goOffline(page, app);
  await page.goto(`${app.url}${warAndPeace}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('War and Peace');
  await expect(page.locator('li.highlight').first()).toBeVisible();
  await expect(page.locator('.sync-badge[data-state="offline"]')).toBeVisible();
  await page.goto(`${app.url}/`);
  await expect(page.getByRole('link', { name: 'War and Peace' }).first()).toBeVisible();
  await page.goto(`${app.url}/stats`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('You are offline');
  await expect(page.locator('li a')).toHaveText(['War and Peace', 'Pride and Prejudice']);
});

test('back online, a new library shows on the next load', async ({ page, context }) => {
  const data = tempDir('data');
  const files = tempDir('libraries');
  const older = generateLibrary(path.join(files, 'older.sqlite'), 20, 1);
  const newer = generateLibrary(path.join(files, 'newer.sqlite'), 600, 2);
  const kit = await startTestkit();
  try {
    await kit.upload(older);
    await kit.setObjectAge(3600);
    app = await startApp(kit.appEnv, data);
    await waitForSync(app, (s) => s.status === 'completed');
    const address = new URL(app.url).host;
    const newOnly = `${app.url}/?q=${encodeURIComponent('Vol. 500')}`; // only in the newer library
    await page.goto(newOnly);
    await controlled(page);
    await page.reload();
    await expect.poll(() => keptPages(page)).toHaveLength(1);
    await goOffline(page, app);
    await page.reload();
    await expect(page.locator('.sync-badge[data-state="offline"]')).toBeVisible();
    await expect(page.locator('.item-title')).toHaveCount(0);
    // Back: the server again (same address and data), and a newer library in the bucket.
    await kit.upload(newer);
    app = await startApp({ ...kit.appEnv, LEPTOS_SITE_ADDR: address }, data);
    await context.setOffline(false);
    await page.reload(); // the page's check finds the new version; the badge reloads once
    await expect(page.locator('.item-title')).toContainText(['Vol. 500'], { timeout: 30_000 });
  } finally {
    kit.stop();
  }
});

test('with login on, nothing is kept before login and everything goes at logout', async ({ page }) => {
  const password = 'correct horse battery staple';
  const passwordHash = execFileSync(debugBinary, ['hash-password'], { input: `${password}\n` }).toString().trim();
  app = await startApp({
    KOBO_SHELF_USERNAME: 'reader',
    KOBO_SHELF_PASSWORD_HASH: passwordHash,
    KOBO_SHELF_SESSION_SECRET: 'e2e-session-secret-0123456789abcdef0123456789',
  });
  await waitForLog(app, /sync: library replaced/);
  await page.goto(`${app.url}${warAndPeace}`);
  await expect(page).toHaveURL(/\/login/);
  expect(await page.locator('script[src="/offline.js"]').count()).toBe(0);
  expect([await registrations(page), await cacheNames(page)]).toEqual([0, []]);

  await page.getByLabel('Name').fill('reader');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('War and Peace');
  await controlled(page);
  await page.reload();
  await expect.poll(() => cacheNames(page)).toContain('kobo-shelf-pages');

  await page.locator('.sign-out button').click();
  await expect(page).toHaveURL(/\/login/);
  await expect.poll(() => cacheNames(page)).toEqual([]);
  await expect.poll(() => registrations(page)).toBe(0);
});

test('save for offline keeps a book and its images, and the whole library, saying how far it got', async ({ page }) => {
  app = await startApp();
  await waitForSync(app, (s) => s.status === 'completed');
  await page.goto(`${app.url}${warAndPeace}`);
  await controlled(page);
  await page.reload(); // offline.js shows the buttons once it runs
  await page.getByRole('button', { name: 'Save this book for offline' }).click();
  await expect(page.locator('.save-status')).toHaveText(/^Saved for offline \(\d+ pages and images\)\.$/);
  const images = await page.evaluate(async () => (await (await caches.open('kobo-shelf-images')).keys()).map((r) => new URL(r.url).pathname));
  expect(images.some((path) => path.startsWith('/markup/'))).toBe(true);

  await page.goto(`${app.url}/settings`);
  await page.getByRole('button', { name: 'Save the whole library for offline' }).click();
  await expect(page.locator('.save-status')).toHaveText(/^Saved for offline/, { timeout: 30_000 });
  const kept = await page.evaluate(async () => {
    let bytes = 0;
    let entries = 0;
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        bytes += (await (await cache.match(request))!.arrayBuffer()).byteLength;
        entries += 1;
      }
    }
    return { bytes, entries };
  });
  console.log(`offline footprint, the demo library saved whole: ${kept.entries} entries, ${kept.bytes} bytes`);
  await goOffline(page, app);
  await page.goto(`${app.url}${book('file:///mnt/onboard/Melville, Herman/Moby-Dick.kepub.epub')}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/Moby-Dick/);
});
