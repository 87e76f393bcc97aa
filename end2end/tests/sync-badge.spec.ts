// The hydrated sync badge and the whole sync flow, in Chromium, against the real server syncing
// from a real S3 server (s3s-fs) through a fault-injecting proxy.

import { expect, Page, test, TestInfo } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  App, generateLibrary, startApp, startTestkit, tempDir, Testkit, waitForSync,
} from './support/servers';

const files = tempDir('libraries');
// 20 items, then about 11 MB: "Vol. 500" exists only in the newer library.
const older = generateLibrary(path.join(files, 'older.sqlite'), 20, 1);
const newer = generateLibrary(path.join(files, 'newer.sqlite'), 600, 2);
const newOnly = 'Vol. 500';

let kit: Testkit;
let app: App | undefined;

test.beforeEach(async () => {
  kit = await startTestkit();
});

test.afterEach(() => {
  app?.stop();
  app = undefined;
  kit.stop();
});

/** A server whose local copy is the older library, synced from the bucket. */
async function startSynced(env: Record<string, string> = {}): Promise<App> {
  await kit.upload(older);
  await kit.setObjectAge(3600);
  app = await startApp({ ...kit.appEnv, ...env });
  await waitForSync(app, (s) => s.status === 'completed');
  return app;
}

/** Counts the page's main-frame loads (the first `goto` counts 1). */
function countLoads(page: Page): () => number {
  let loads = 0;
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) loads += 1;
  });
  return () => loads;
}

async function screenshot(page: Page, testInfo: TestInfo, name: string) {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`) });
}

const badge = (page: Page) => page.locator('.sync-badge');

test('current copy: the badge disappears within 2 s and the page does not reload', async ({ page }) => {
  const app = await startSynced();
  const loads = countLoads(page);
  const checked = page.waitForRequest((r) => r.url().includes('/api/check_and_sync'));
  await page.goto(app.url);
  await checked;
  await expect(badge(page)).toHaveCount(0, { timeout: 2_000 });
  await page.waitForTimeout(2_500);
  expect(loads()).toBe(1);
  await expect(page.locator('.library-count')).toHaveText('19 items');
});

test('a newer database downloads with live progress, the page reloads once and shows it', async ({ page }, testInfo) => {
  const app = await startSynced();
  await kit.setFaults({ body: { kind: 'throttle', bytes_per_sec: 2_500_000 } });
  await kit.upload(newer);
  const loads = countLoads(page);
  await page.goto(`${app.url}/?q=${encodeURIComponent(newOnly)}`);
  await expect(page.getByText('Nothing in the library matches this search.')).toBeVisible();

  const percents: number[] = [];
  await expect(badge(page)).toContainText('⟳ Syncing');
  while (loads() === 1) {
    const text = (await badge(page).textContent({ timeout: 1_000 }).catch(() => null)) ?? '';
    const match = text.match(/Downloading (\d+) % of ([\d.]+) MB/);
    if (match) {
      percents.push(Number(match[1]));
      if (percents.length === 2) await screenshot(page, testInfo, 'badge-downloading');
    }
    await page.waitForTimeout(200);
  }
  const distinct = [...new Set(percents)];
  expect(distinct.length, `percents seen: ${percents}`).toBeGreaterThanOrEqual(3);
  expect(distinct).toEqual([...distinct].sort((a, b) => a - b));

  await expect(page.locator('.item-title')).toContainText([newOnly]);
  await screenshot(page, testInfo, 'after-reload');
  await page.waitForTimeout(3_000);
  expect(loads()).toBe(2);
  await expect(badge(page)).toHaveCount(0);
});

test('two Kobos: the badge names the device downloading, the page reloads once into one library of both', async ({ page }, testInfo) => {
  const bucket = kit.appEnv.KOBO_SHELF_SOURCE.match(/^s3:\/\/([^/]+)\//)![1];
  const { KOBO_SHELF_SOURCE: _, ...env } = kit.appEnv;
  const key = (device: string) => `${device}/KoboReader.sqlite`;
  env.KOBO_SHELF_DEVICES = ['libra', 'clara'].map((device) => `${device}=s3://${bucket}/${key(device)}`).join(', ');
  // libra's library is synced; clara's first database is not in the bucket yet.
  await kit.upload(older, key('libra'));
  app = await startApp(env);
  await waitForSync(app, (s) => !s.is_syncing && (s.db_version ?? '').startsWith('libra:'));

  await kit.setFaults({ body: { kind: 'throttle', bytes_per_sec: 2_500_000 } });
  await kit.upload(newer, key('clara'));
  const loads = countLoads(page);
  await page.goto(`${app.url}/?q=${encodeURIComponent(newOnly)}`);
  await expect(page.getByText('Nothing in the library matches this search.')).toBeVisible();
  await expect(badge(page)).toContainText(/clara: Downloading \d+ % of [\d.]+ MB/);
  await screenshot(page, testInfo, 'clara-downloading');
  await expect.poll(loads, { timeout: 30_000 }).toBe(2);

  // One library: clara's book is found, both devices are in the filter.
  await expect(page.locator('.item-title')).toContainText([newOnly]);
  await expect(page.locator('select[name="device"] option')).toContainText(['All devices', /^libra \(\d+\)$/, /^clara \(\d+\)$/]);
  await page.waitForTimeout(2_000);
  expect(loads()).toBe(2);
  await expect(badge(page)).toHaveCount(0);
});

async function expectFailureKeepsLibrary(page: Page, app: App, reason: RegExp, testInfo: TestInfo, name: string) {
  await page.goto(app.url);
  await expect(badge(page)).toContainText('Sync failed', { timeout: 15_000 });
  await expect(badge(page)).toContainText(reason);
  await expect(badge(page)).toHaveAttribute('title', reason);
  await screenshot(page, testInfo, name);
  await expect(page.locator('.library-count')).toHaveText('19 items');
  await page.getByRole('link', { name: 'War and Peace' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('War and Peace');
}

test('a bucket answering 503 shows sync failed; the old library stays browsable', async ({ page }, testInfo) => {
  const app = await startSynced();
  await kit.upload(newer);
  await kit.setFaults({ status: 503 });
  await expectFailureKeepsLibrary(page, app, /HTTP 503 \(Service Unavailable\)/, testInfo, 'badge-error-503');
});

test('an unreachable bucket shows sync failed', async ({ page }, testInfo) => {
  const app = await startSynced();
  await kit.upload(newer);
  await kit.setFaults({ refuse: true });
  await expectFailureKeepsLibrary(page, app, /Cannot reach the bucket/, testInfo, 'badge-error-unreachable');
});

test('a corrupt object shows sync failed with the reason', async ({ page }, testInfo) => {
  const app = await startSynced();
  const garbage = path.join(files, 'garbage.sqlite');
  writeFileSync(garbage, Buffer.alloc(200_000, 0x5a));
  await kit.upload(garbage);
  await expectFailureKeepsLibrary(page, app, /not a SQLite database/, testInfo, 'badge-error-corrupt');
});

test('two tabs while a new database arrives: one download, both show the new data', async ({ context }) => {
  const app = await startSynced();
  await kit.setFaults({ body: { kind: 'throttle', bytes_per_sec: 4_000_000 } });
  await kit.upload(newer);
  const before = await kit.stats();
  const first = await context.newPage();
  const second = await context.newPage();
  const firstLoads = countLoads(first);
  const secondLoads = countLoads(second);
  const target = `${app.url}/?q=${encodeURIComponent(newOnly)}`;
  await Promise.all([first.goto(target), second.goto(target)]);
  for (const page of [first, second]) {
    await expect(page.locator('.item-title')).toContainText([newOnly], { timeout: 30_000 });
  }
  await first.waitForTimeout(2_500);
  expect([firstLoads(), secondLoads()]).toEqual([2, 2]);
  const after = await kit.stats();
  expect(after.get_object - before.get_object).toBe(1);
});

test('a bucket that never finishes: polling stops with the timeout message', async ({ page }, testInfo) => {
  const app = await startSynced({
    KOBO_SHELF_BADGE_MAX_ATTEMPTS: '6',
    KOBO_SHELF_BADGE_POLL_INTERVAL_MS: '250',
    KOBO_SHELF_STALL_TIMEOUT_SECS: '120',
  });
  await kit.setFaults({ body: { kind: 'stall', fraction: 0.4 } });
  await kit.upload(newer);
  const polls: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/get_sync_status')) polls.push(r.url());
  });
  await page.goto(app.url);
  await expect(badge(page)).toContainText('Sync timed out', { timeout: 10_000 });
  await screenshot(page, testInfo, 'badge-timeout');
  const counted = polls.length;
  expect(counted).toBe(6);
  await page.waitForTimeout(1_000);
  expect(polls.length).toBe(counted);
  await expect(page.locator('.library-count')).toHaveText('19 items');
});

test('a lost connection to the server is shown in the badge, not thrown', async ({ page }) => {
  const app = await startSynced({ KOBO_SHELF_STALL_TIMEOUT_SECS: '120' });
  await kit.setFaults({ body: { kind: 'stall', fraction: 0.2 } });
  await kit.upload(newer);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(app.url);
  await expect(badge(page)).toContainText('Downloading');
  app.stop();
  await expect(badge(page)).toContainText('Cannot reach the server', { timeout: 10_000 });
  expect(errors).toEqual([]);
});

test('Sync now asks the bucket again', async ({ page }) => {
  const app = await startSynced();
  const hydrated = page.waitForRequest((r) => r.url().includes('/api/check_and_sync'));
  await page.goto(app.url);
  await hydrated;
  await expect(badge(page)).toHaveCount(0, { timeout: 2_000 });
  const before = await kit.stats();
  await page.getByRole('button', { name: 'Sync now' }).click();
  // At least one more (the file's bucket is shared: an earlier test's server may still be
  // stopping and asking it too; a full run once counted 8 more).
  await expect.poll(async () => (await kit.stats()).head_object).toBeGreaterThan(before.head_object);
  await expect(badge(page)).toHaveCount(0, { timeout: 2_000 });
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the library renders with no badge and no errors while a sync runs', async ({ page }) => {
    const app = await startSynced();
    await kit.setFaults({ body: { kind: 'throttle', bytes_per_sec: 1_000_000 } });
    await kit.upload(newer);
    await fetch(`${app.url}/api/check-and-sync`, { method: 'POST' });
    const response = await page.goto(app.url);
    expect(response?.status()).toBe(200);
    await expect(page.locator('.library-count')).toHaveText('19 items');
    await expect(badge(page)).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Sync now' })).toBeVisible();
  });
});
