// What the reader adds to a highlight on its book page, in Chromium against the real server:
// the favourite button, tags and a note of their own, with the keyboard, and without JavaScript;
// a tag found again on the search and tags pages; a quote card downloaded.

import { expect, Page, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { App, startApp, waitForSync } from './support/servers';

let app: App;

test.beforeAll(async () => {
  app = await startApp();
  await waitForSync(app, (s) => s.status === 'completed');
});

test.afterAll(() => app?.stop());

async function openBook(page: Page, title: string) {
  await page.goto(app.url);
  await page.getByRole('link', { name: title }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(title);
}

test('a highlight is starred and noted with the keyboard', async ({ page }) => {
  await openBook(page, 'War and Peace');
  const first = page.locator('li.highlight').first();
  await first.getByRole('button', { name: '★ Mark as favourite' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('li.highlight').first().locator('.favourite')).toContainText('★ Favourite');
  const item = page.locator('li.highlight').first();
  await item.locator('summary').focus();
  await page.keyboard.press('Enter'); // opens the details
  await item.getByLabel('Tags, separated by commas').focus();
  await page.keyboard.type('Ideas, <b>bold</b>');
  await item.getByLabel("Your note (the device's stays as it is)").focus();
  await page.keyboard.type('Mine, & <i>not</i> markup');
  await item.getByRole('button', { name: 'Save' }).focus();
  await page.keyboard.press('Enter');
  const saved = page.locator('li.highlight').first();
  await expect(saved.locator('.tags li')).toHaveText(['Ideas', '<b>bold</b>']);
  await expect(saved.locator('.web-note')).toHaveText('Your note: Mine, & <i>not</i> markup');

  // A tag leads to every highlight with it, and the tags page counts them.
  await saved.getByRole('link', { name: 'Ideas' }).focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/search\?tag=Ideas$/);
  const hit = page.locator('li.hit');
  await expect(hit).toHaveCount(1);
  await expect(hit.locator('.tags li')).toHaveText(['Ideas', '<b>bold</b>']);
  await expect(hit.locator('.favourite')).toContainText('★ Favourite');
  await page.getByRole('link', { name: 'All your tags' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your tags');
  await expect(page.locator('.tag-cloud li', { hasText: '<b>bold</b>' })).toHaveText('<b>bold</b> 1');
});

test('share as image falls back to downloading the quote card', async ({ page }) => {
  await openBook(page, 'War and Peace');
  const pageErrors: Error[] = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  const shared = await page.evaluate(() => typeof navigator.share === 'function');
  expect(shared, 'headless Chromium on Linux has no Web Share: the link must download').toBe(false);
  const downloading = page.waitForEvent('download');
  await page.locator('li.highlight').first().getByRole('link', { name: 'Share as image' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('quote.png');
  const bytes = readFileSync(await download.path());
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  expect(bytes.readUInt32BE(16)).toBe(1080); // IHDR width
  expect(pageErrors).toEqual([]);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('a highlight is starred and tagged through the plain forms', async ({ page }) => {
    await openBook(page, 'Pride and Prejudice');
    await page.locator('li.highlight').first().getByRole('button', { name: '★ Mark as favourite' }).click();
    const item = page.locator('li.highlight').first();
    await expect(item.locator('.favourite')).toContainText('★ Favourite');
    await expect(item.getByRole('button', { name: '☆ Unmark favourite' })).toBeVisible();
    await item.locator('summary').click();
    await item.getByLabel('Tags, separated by commas').fill('to quote');
    await item.getByRole('button', { name: 'Save' }).click();
    await expect(page.locator('li.highlight').first().locator('.tags li')).toHaveText(['to quote']);
  });
});
