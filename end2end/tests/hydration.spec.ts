// The WASM starts and brings the page's island (the sync badge) to life: run against the debug
// build and, as the Playwright project `release`, against the wasm-opt'd release bundle users deploy.

import { expect, test } from '@playwright/test';
import { App, startApp, waitForSync } from './support/servers';

let app: App;

test.beforeAll(async () => {
  app = await startApp();
  await waitForSync(app, (s) => s.status === 'completed');
});

test.afterAll(() => app?.stop());

test('the bundle starts under the Content-Security-Policy of the page, without errors, and every page load starts a sync check', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  const wasm = page.waitForResponse((r) => r.url().endsWith('.wasm'));
  const checked = page.waitForRequest((r) => r.url().includes('/api/check_and_sync'));
  const polled = page.waitForRequest((r) => r.url().includes('/api/get_sync_status'));
  const response = await page.goto(app.url);
  const policy = response!.headers()['content-security-policy'] ?? '';
  const scripts = policy.split(';').find((part) => part.trim().startsWith('script-src')) ?? '';
  expect(scripts).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9_-]+'/);
  expect(scripts).not.toContain('unsafe-inline');
  expect((await wasm).status()).toBe(200);
  await checked;
  await polled;
  // A script the policy blocked, or a bundle that failed to start, shows up here.
  expect(errors).toEqual([]);
});

test('only the sync badge is an island: it hydrates and Sync now runs in the page; links load server-rendered pages', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (['error', 'warning'].includes(message.type())) errors.push(message.text());
  });
  const checked = page.waitForRequest((r) => r.url().includes('/api/check_and_sync'));
  await page.goto(app.url);
  await checked;
  // Islands mode: the page is server HTML; the badge is the one island the WASM takes over.
  await expect(page.locator('leptos-island')).toHaveCount(1);
  await expect(page.locator('leptos-island .sync')).toHaveCount(1);

  // A full page load would start a new document and lose this mark.
  await page.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));
  const again = page.waitForRequest((r) => r.url().includes('/api/check_and_sync'));
  const polled = page.waitForRequest((r) => r.url().includes('/api/get_sync_status'));
  await page.getByRole('button', { name: 'Sync now' }).click();
  expect((await again).method()).toBe('POST');
  await polled;
  expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);

  // Navigation is the browser's: the next page comes whole from the server, its island starts again.
  const next = page.waitForRequest((r) => r.url().includes('/api/check_and_sync'));
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Stats' }).click();
  await expect(page).toHaveURL(/\/stats$/);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await next;
  expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBeUndefined();
  expect(errors).toEqual([]);
});

// Reported, not a timed test (#15): how long after navigation the library page's island is
// live (its first call to the server, `check_and_sync`, is made by the hydrated badge), next to
// first contentful paint, which needs no WASM.
test('hydration time of the library page is reported', async ({ page }, testInfo) => {
  const checked = page.waitForRequest((r) => r.url().includes('/api/check_and_sync'));
  await page.goto(app.url);
  await checked;
  // The call's resource timing entry appears when its answer has arrived, not when it is sent.
  await expect
    .poll(() => page.evaluate(() => performance.getEntriesByType('resource').some((e) => e.name.includes('/api/check_and_sync'))))
    .toBe(true);
  const timings = await page.evaluate(() => {
    const call = performance.getEntriesByType('resource').find((entry) => entry.name.includes('/api/check_and_sync'));
    const paint = performance.getEntriesByName('first-contentful-paint')[0];
    const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    return { hydrated: call?.startTime ?? -1, paint: paint?.startTime ?? -1, html: navigation.responseEnd };
  });
  expect(timings.hydrated).toBeGreaterThan(0);
  expect(timings.paint).toBeGreaterThan(0);
  const report = `HTML ${timings.html.toFixed(0)} ms, first contentful paint ${timings.paint.toFixed(0)} ms, island hydrated ${timings.hydrated.toFixed(0)} ms (${timings.hydrated - timings.html > 300 ? 'over' : 'within'} 300 ms of the HTML)`;
  testInfo.annotations.push({ type: 'hydration', description: report });
  console.log(`[${testInfo.project.name}] library page: ${report}`);
});
