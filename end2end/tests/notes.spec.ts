// Collections and colours in Chromium against the real server: the library's collection filter
// (and its absence for a device without collections), the book page's colour filter, and the
// search's colour filter.

import { expect, test } from '@playwright/test';
import path from 'node:path';
import { App, generateLibrary, startApp, tempDir, waitForSync } from './support/servers';

let app: App;

test.beforeAll(async () => {
  // No settings: the embedded default writes and syncs the demo library.
  app = await startApp();
  await waitForSync(app, (s) => s.status === 'completed');
});

test.afterAll(() => app?.stop());

test('the collection filter sits beside the kind filter and keeps its choice', async ({ page }) => {
  await page.goto(app.url);
  const shelf = page.locator('select[name="shelf"]');
  await expect(shelf.locator('option')).toHaveText([
    'All collections', '<b>Tags</b> & "Quotes" (1)', 'Russian Classics (3)', 'Summer 2024 (1)', 'To Reread (2)',
  ]);
  await expect(page.locator('.library-controls select')).toHaveCount(3);
  await shelf.selectOption('Russian Classics');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/[?&]shelf=Russian(\+|%20)Classics/);
  await expect(page.locator('.item-title')).toHaveText(['War and Peace', 'Budala', '罪と罰']);
  await page.reload();
  await expect(page.locator('select[name="shelf"]')).toHaveValue('Russian Classics');
  await expect(page.locator('.library-count')).toHaveText('3 matches of 19 items');
  // A hostile collection name is text, in the option and in the URL.
  await page.goto(`${app.url}/?shelf=${encodeURIComponent('<b>Tags</b> & "Quotes"')}`);
  await expect(page.locator('.item-title')).toHaveText(['Escaping <Everything> & Other "Stories"']);
});

test('a device without collections shows no collection filter', async ({ page }) => {
  const dir = tempDir('no-collections');
  const library = generateLibrary(path.join(dir, 'KoboReader.sqlite'), 20, 1, ['--without-collections']);
  const plain = await startApp({ KOBO_SHELF_SOURCE: `file://${library}` });
  try {
    await waitForSync(plain, (s) => s.status === 'completed');
    await page.goto(plain.url);
    await expect(page.locator('select[name="kind"]')).toBeVisible();
    await expect(page.locator('select[name="shelf"]')).toHaveCount(0);
    await expect(page.locator('.item')).toHaveCount(19);
  } finally {
    plain.stop();
  }
});

test('the book page filters highlights by colour', async ({ page }) => {
  await page.goto(app.url);
  await page.getByRole('link', { name: 'War and Peace' }).click();
  const filter = page.getByRole('navigation', { name: 'Highlight colour' });
  await expect(filter.getByRole('link')).toHaveText(['All colours', 'Yellow (4)', 'Pink (1)', 'Blue (1)', 'Green (1)']);
  await expect(page.locator('.highlight')).toHaveCount(8);
  await filter.getByRole('link', { name: 'Pink (1)' }).click();
  await expect(page).toHaveURL(/[?&]color=pink/);
  await expect(page.locator('.highlight')).toHaveCount(1);
  await expect(page.locator('.highlight blockquote')).toHaveText(/^We can know only that we know nothing/);
  await expect(page.locator('.chapter h3')).toHaveText(['Book One: 1805']);
  await expect(filter.getByRole('link', { name: 'Pink (1)' })).toHaveAttribute('aria-current', 'true');
  await filter.getByRole('link', { name: 'All colours' }).click();
  await expect(page.locator('.highlight')).toHaveCount(8);
});

test('search keeps one colour, with or without words', async ({ page }) => {
  await page.goto(`${app.url}/search?q=&color=pink`);
  const hits = page.locator('.hit');
  await expect(hits).toHaveCount(4);
  for (const hit of await hits.all()) await expect(hit).toHaveClass(/color-pink/);
  await expect(hits.first().locator('blockquote')).toHaveText("<script>window.__kobo_pwned = 'highlight'</script>");

  await page.goto(`${app.url}/search`);
  await page.getByPlaceholder('Words, prefix*, or "a phrase"').fill('the');
  await page.locator('select[name="color"]').selectOption('blue');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/[?&]color=blue/);
  await expect(hits.first()).toBeVisible();
  for (const hit of await hits.all()) await expect(hit).toHaveClass(/color-blue/);
  await expect(page.locator('select[name="color"]')).toHaveValue('blue');
});
