// The archive in Chromium: annotations the device no longer has stay on the book page, marked,
// and a plain link hides them. Real server, real S3 server.

import { expect, test } from '@playwright/test';
import path from 'node:path';
import { App, generateLibrary, startApp, startTestkit, tempDir, Testkit, waitForSync } from './support/servers';

const files = tempDir('archive');
// Same books, other annotation ids (another seed): to the archive, the device deleted all of
// the first library's annotations and made new ones.
const first = generateLibrary(path.join(files, 'first.sqlite'), 20, 1);
const second = generateLibrary(path.join(files, 'second.sqlite'), 20, 2);

let kit: Testkit;
let app: App | undefined;

test.beforeEach(async () => {
  kit = await startTestkit();
});

test.afterEach(() => {
  app?.stop();
  kit.stop();
});

test('annotations deleted on the device stay on the book page, marked, and can be hidden', async ({ page }) => {
  await kit.upload(first);
  await kit.setObjectAge(3600);
  app = await startApp(kit.appEnv);
  await waitForSync(app, (s) => s.status === 'completed');
  await kit.upload(second);
  await kit.setObjectAge(60);
  await fetch(`${app.url}/api/check-and-sync`, { method: 'POST' });
  await waitForSync(app, (s) => s.status === 'completed' && !s.is_syncing);

  await page.goto(app.url);
  // The list counts them too: 7 highlights on the device, 7 kept by the archive.
  await expect(page.locator('.item', { hasText: 'War and Peace' })).toContainText('14 highlights');
  await page.getByRole('link', { name: 'War and Peace' }).click();
  // 7 highlights and 1 markup of each library.
  const deleted = page.locator('li.highlight[data-deleted-on-device]');
  await expect(deleted).toHaveCount(8);
  await expect(deleted.first()).toContainText('deleted on device');
  await expect(page.locator('li.highlight:not([data-deleted-on-device])')).toHaveCount(8);
  await page.getByRole('link', { name: 'Hide the 8 deleted on the device' }).click();
  await expect(page).toHaveURL(/deleted=hide/);
  await expect(deleted).toHaveCount(0);
  await expect(page.locator('li.highlight')).toHaveCount(8);
});
