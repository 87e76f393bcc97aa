// The library and book pages in Chromium against the real server and its embedded demo library.

import { expect, Page, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, repoRoot, startApp, waitForSync } from './support/servers';

let app: App;

test.beforeAll(async () => {
  // No settings: the embedded default writes and syncs the demo library.
  app = await startApp();
  await waitForSync(app, (s) => s.status === 'completed');
});

test.afterAll(() => app?.stop());

/** Console errors and uncaught exceptions of a page. */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the library renders and the GET form searches', async ({ page }) => {
    await page.goto(app.url);
    await expect(page.getByRole('heading', { name: 'Library' })).toBeVisible();
    await expect(page.locator('.item')).toHaveCount(19);
    await expect(page.getByRole('link', { name: 'War and Peace' })).toBeVisible();
    await expect(page.locator('.sync-badge')).toHaveCount(0);
    await page.getByPlaceholder('Search title or author').fill('austen');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page).toHaveURL(/[?&]q=austen/);
    await expect(page.locator('.item')).toHaveCount(1);
    await expect(page.locator('.item-title')).toHaveText('Pride and Prejudice');
  });

  test('a book page shows its highlights', async ({ page }) => {
    await page.goto(app.url);
    await page.getByRole('link', { name: 'War and Peace' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('War and Peace');
    await expect(page.locator('.chapter h3')).toHaveText([
      'Book One: 1805', 'Book Two: 1805', 'First Epilogue: 1813 – 20', 'Other highlights',
    ]);
  });
});

test('hydration completes without console errors', async ({ page }) => {
  const errors = collectErrors(page);
  const hydrated = page.waitForRequest((request) => request.url().includes('/api/check_and_sync'));
  await page.goto(app.url);
  await hydrated;
  await page.getByRole('link', { name: 'War and Peace' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('War and Peace');
  await page.goto(`${app.url}/settings`);
  await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
  expect(errors).toEqual([]);
});

test('a sideloaded epub shows its chapters; grey highlights show no colour', async ({ page }) => {
  await page.goto(app.url);
  await page.getByRole('link', { name: 'Budala' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Budala');
  await expect(page.locator('.chapter h3')).toHaveText(['I', 'II']);
  await expect(page.locator('.chapter').first().locator('.highlight blockquote')).toHaveText([
    /^Prens Mışkin/, /^Merhamet/, /^Bir insanı/,
  ]);
  const grey = page.locator('.highlight', { hasText: 'Güzellik dünyayı kurtaracak.' });
  await expect(grey).toHaveClass(/color-grey/);
  await expect(grey.locator('.swatch')).toHaveCount(0);
  await expect(page.getByText('Silinmiş bir vurgu.')).toHaveCount(0);
  await expect(page.getByText('Other highlights')).toHaveCount(0);
  // The long description is folded (no JavaScript needed) and the ISBN field's UUID is not shown.
  const description = page.locator('.description details');
  await expect(description).not.toHaveAttribute('open', '');
  await description.locator('summary').click();
  await expect(description.locator('p').last()).toContainText('Aglaya Yepançina');
  await expect(page.getByText('5b0d6e0a-3a55-4d8e-a1f1-2c9b7f3c8e11')).toHaveCount(0);
});

test('covers load: the device thumbnails and the drawn ones', async ({ page }) => {
  /** Waits until the image has loaded, then gives its natural size. */
  const loadedSize = async (img: ReturnType<Page['locator']>) => {
    await img.scrollIntoViewIfNeeded();
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBeGreaterThan(0);
    return img.evaluate((el: HTMLImageElement) => [el.naturalWidth, el.naturalHeight]);
  };
  await page.goto(app.url);
  await expect(page.locator('.item img.cover')).toHaveCount(19);
  const warAndPeace = page.locator('.item', { hasText: 'War and Peace' }).locator('img.cover');
  await expect(warAndPeace).toHaveAttribute('alt', 'Cover of War and Peace');
  await expect(warAndPeace).toHaveAttribute('loading', 'lazy');
  // Width and height are set, so the list does not move when covers arrive.
  await expect(warAndPeace).toHaveAttribute('width', '56');
  await expect(warAndPeace).toHaveAttribute('height', '84');
  // The device's library thumbnail (a JPEG), and covers drawn where there is none (SVG).
  expect(await loadedSize(warAndPeace)).toEqual([355, 530]);
  for (const title of ['Moby-Dick', 'Escaping <Everything>']) {
    const drawn = page.locator('.item', { hasText: title }).locator('img.cover');
    expect(await loadedSize(drawn)).toEqual([200, 300]);
  }
  await page.getByRole('link', { name: 'War and Peace' }).click();
  expect(await loadedSize(page.locator('.book-head img.cover'))).toEqual([355, 530]);
});

test('annotations of a book no longer on the device are still listed under its file name', async ({ page }) => {
  await page.goto(`${app.url}/?q=vanished`);
  await page.getByRole('link', { name: 'The Vanished Chapter - A. Nonymous' }).click();
  await expect(page.locator('.chapter h3')).toHaveText(['Highlights']);
  await expect(page.locator('.highlight blockquote')).toHaveText(['What is written in the margin outlives the book.']);
});

test('search and the kind filter narrow the list', async ({ page }) => {
  const hydrated = page.waitForRequest((request) => request.url().includes('/api/check_and_sync'));
  await page.goto(app.url);
  await hydrated;
  await page.getByPlaceholder('Search title or author').fill('TOLSTOY');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/q=TOLSTOY/);
  await expect(page.locator('.item-title')).toHaveText(['War and Peace']);

  await page.getByPlaceholder('Search title or author').fill('');
  await page.locator('select[name=kind]').selectOption('article');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/kind=article/);
  await expect(page.locator('.item-title')).toHaveText(['The Slow Reading Movement', 'Why We Underline']);

  await page.locator('select[name=kind]').selectOption('');
  await page.locator('select[name=sort]').selectOption('title');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/sort=title/);
  // The list is rendered after the URL changes: wait for it before reading it.
  await expect(page.locator('.item-title')).toHaveCount(19);
  const titles = await page.locator('.item-title').allTextContents();
  expect(titles).toHaveLength(19);
  expect(titles).toEqual([...titles].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase(), 'en')));

  await page.goto(`${app.url}/?q=mis%C3%A9rables`);
  await expect(page.locator('.item-title')).toHaveText(['Les Misérables – Tome I : Fantine']);
});

test('a book page groups highlights by chapter with colours and notes', async ({ page }) => {
  await page.goto(app.url);
  await page.getByRole('link', { name: 'War and Peace' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('War and Peace');
  await expect(page.getByText('by Leo Tolstoy')).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: '7 Highlights · 1 markup' })).toBeVisible();
  const chapters = page.locator('.chapter');
  await expect(chapters.locator('h3')).toHaveText([
    'Book One: 1805', 'Book Two: 1805', 'First Epilogue: 1813 – 20', 'Other highlights',
  ]);
  const bookTwo = chapters.nth(1).locator('.highlight blockquote');
  await expect(bookTwo).toHaveText([/^If everyone fought/, /^The strongest of all warriors/, /^Nothing is so necessary/]);
  const noted = page.locator('.highlight', { hasText: 'We can know only' });
  await expect(noted).toHaveClass(/color-pink/);
  await expect(noted.locator('.note')).toContainText("Montaigne's « Que sais-je ? »");
  await expect(noted.locator('.highlight-meta')).toContainText('9 Jan 2025');
  await expect(page.getByText('This highlight was deleted on the device.')).toHaveCount(0);
  await expect(page.getByText('Time spent reading')).toBeVisible();
  await expect(page.locator('.description')).toContainText('Napoleonic wars');
});

test('hostile text shows as text and never runs', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(app.url);
  await expect(page.getByText("O'Brien <script>window.__kobo_pwned = 'author'</script>")).toBeVisible();
  await page.getByRole('link', { name: 'Escaping <Everything> & Other "Stories"' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Escaping <Everything> & Other "Stories"');
  await expect(page).toHaveTitle('Escaping <Everything> & Other "Stories" · kobo-shelf');
  await expect(page.locator('blockquote', { hasText: "<script>window.__kobo_pwned = 'highlight'</script>" })).toBeVisible();
  await expect(page.locator('.note', { hasText: `<img src=x onerror="window.__kobo_pwned='note'">` })).toBeVisible();
  await expect(page.getByRole('heading', { name: `<img src=x onerror="window.__kobo_pwned='chapter'">` })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { __kobo_pwned?: unknown }).__kobo_pwned)).toBeUndefined();
  expect(await page.locator('main script').count()).toBe(0);
  // The only images: the markup's and the book's cover (drawn from its title, escaped).
  expect(await page.locator('main img:not([src^="/markup/"]):not(img.cover[src^="/cover?id="])').count()).toBe(0);
  // The book's markup has no files in the bucket: its placeholder image answers 404.
  expect(errors.filter((e) => !e.includes('status of 404'))).toEqual([]);
});

test('any ContentID round-trips through the book URL', async ({ page }) => {
  await page.goto(app.url);
  await page.getByRole('link', { name: 'A Book With an Odd Path' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('A Book With an Odd Path');
  expect(page.url()).toContain('id=file%3A%2F%2F%2Fmnt%2Fonboard%2FOdd%2Fa%20b%23c%3Fd%2541e%26f%3Dg%2Bh%2F..%2F');
  await expect(page.locator('blockquote')).toHaveText('Paths with # and ? and % survive the round trip.');
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('A Book With an Odd Path');
});

test('an unknown book and an unknown page answer 404', async ({ page }) => {
  const book = await page.goto(`${app.url}/book?id=${encodeURIComponent('file:///nowhere.epub')}`);
  expect(book?.status()).toBe(404);
  await expect(page.getByText('No such book in this library.')).toBeVisible();
  const other = await page.goto(`${app.url}/no/such/page`);
  expect(other?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Not found' })).toBeVisible();
});

test('the settings page shows where each value came from, without secrets', async ({ page }) => {
  await page.goto(`${app.url}/settings`);
  const row = page.locator('tr', { hasText: 'KOBO_SHELF_SOURCE' });
  await expect(row).toContainText(`file://${app.dataDir}/source/KoboReader.sqlite`);
  await expect(row).toContainText('default');
  await expect(row).toContainText('where the database comes from');
  await expect(page.locator('tr', { hasText: 'KOBO_SHELF_DATA_DIR' })).toContainText('environment');
  await expect(page.getByText('Version served')).toBeVisible();
});

test('search finds a passage, marks the words and jumps to it on its book page', async ({ page }) => {
  await page.goto(app.url);
  await page.getByRole('link', { name: 'Search', exact: true }).click();
  await page.getByPlaceholder(/Words, prefix/).fill('patience');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/\/search\?q=patience/);
  await expect(page.locator('.hits .hit')).toHaveCount(1);
  await expect(page.locator('.hits mark')).toHaveText(['Patience']);
  await expect(page.locator('.hits .hit a')).toHaveText('War and Peace · Leo Tolstoy · Book Two: 1805');
  await page.locator('.hits .hit a').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('War and Peace');
  expect(page.url()).toMatch(/#h-[0-9a-f-]+$/);
  await expect(page.locator('li.highlight', { hasText: 'Time and Patience' })).toBeInViewport();
});

test('search explains a query it cannot run instead of failing', async ({ page }) => {
  const response = await page.goto(`${app.url}/search?q=${encodeURIComponent('"*"')}`);
  expect(response?.status()).toBe(200);
  await expect(page.getByText(/^Type a word/)).toBeVisible();
  await page.goto(`${app.url}/search?q=${encodeURIComponent('偉大')}`);
  await expect(page.locator('.hits mark')).toHaveText(['偉大']);
});

test('export downloads a book as Markdown and the library as a zip', async ({ page }) => {
  await page.goto(app.url);
  await page.getByRole('link', { name: 'War and Peace' }).click();
  const bookDownload = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export highlights (Markdown)' }).click();
  const book = await bookDownload;
  expect(book.suggestedFilename()).toBe('Leo Tolstoy - War and Peace.md');
  const golden = readFileSync(path.join(repoRoot, 'tests/golden/war-and-peace.md'), 'utf8');
  expect(readFileSync(await book.path(), 'utf8')).toBe(golden);

  await page.goto(app.url);
  const zipDownload = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export all highlights (.zip)' }).click();
  const zip = await zipDownload;
  expect(zip.suggestedFilename()).toBe('kobo-highlights.zip');
  const bytes = readFileSync(await zip.path());
  expect(bytes.subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004');
  expect(bytes.includes(Buffer.from('Leo Tolstoy - War and Peace.md'))).toBe(true);
});

test('the theme switch is rendered by the server and remembered across reloads', async ({ page }) => {
  await page.goto(`${app.url}/search?q=war`);
  const html = page.locator('html');
  await expect(html).toHaveAttribute('data-theme', 'system');
  await page.locator('.theme-switch').click();
  await expect(html).toHaveAttribute('data-theme', 'light');
  await expect(page).toHaveURL(/\/search\?q=war$/);
  await page.locator('.theme-switch').click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  // The stylesheet may still be applying when the attribute is there: the colour is polled.
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await expect.poll(background).toBe('rgb(22, 21, 19)');
  await page.locator('.theme-switch').click();
  await expect(html).toHaveAttribute('data-theme', 'system');
  await expect.poll(background).toBe('rgb(251, 250, 247)');
});

test('the layout fits a 360 px phone', async ({ browser }) => {
  const phone = await browser.newPage({ viewport: { width: 360, height: 740 } });
  for (const path of ['/', '/search?q=war', '/settings']) {
    await phone.goto(`${app.url}${path}`);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, path).toBeLessThanOrEqual(0);
  }
  await phone.getByRole('link', { name: 'Library', exact: true }).click();
  await phone.getByRole('link', { name: 'War and Peace' }).click();
  // A link loads a whole page: measure once it and its stylesheet have loaded.
  await expect(phone.getByRole('heading', { level: 1, name: 'War and Peace' })).toBeVisible();
  await phone.waitForLoadState('load');
  expect(await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
  await phone.close();
});

test('the statistics page draws its charts with text alternatives', async ({ page }) => {
  await page.goto(`${app.url}/stats`);
  await expect(page.getByRole('heading', { name: 'Reading statistics' })).toBeVisible();
  await expect(page.locator('figure.chart')).toHaveCount(7);
  await expect(page.getByRole('img', { name: 'Highlights per month' })).toBeVisible();
  const days = page.locator('figure.chart', { hasText: 'Reading per day' });
  await expect(days).toContainText('Longest streak: 3 days');
  expect(await days.locator('rect').count()).toBe(91);
  expect(await page.locator('figure.chart').first().locator('rect').count()).toBeGreaterThan(3);
  const books = page.locator('figure.chart', { hasText: 'Most highlighted books' });
  await books.getByText('The numbers').click();
  await expect(books.locator('tr').first()).toHaveText(/War and Peace\s*7/);
  const colours = page.locator('figure.chart', { hasText: 'Colours' });
  const fill = await colours.locator('rect.pink').evaluate((rect) => getComputedStyle(rect).fill);
  expect(fill).toBe('rgb(242, 156, 183)');
});

test('handwritten markups show the page with its strokes; the SVG alone runs nothing', async ({ page }) => {
  await page.goto(app.url);
  await page.getByRole('link', { name: 'War and Peace' }).click();
  const figure = page.locator('figure.markup-page');
  await figure.scrollIntoViewIfNeeded();
  const naturalWidth = (selector: string) => figure.locator(selector).evaluate((img: HTMLImageElement) => img.naturalWidth);
  await expect.poll(() => naturalWidth('img:not(.strokes)')).toBe(600);
  await expect.poll(() => naturalWidth('img.strokes')).toBeGreaterThan(0);
  const strokes = await figure.locator('img.strokes').getAttribute('src');

  const response = await page.goto(`${app.url}${strokes}`);
  expect(response?.headers()['content-type']).toBe('image/svg+xml');
  expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
  await page.waitForTimeout(300);
  expect(await page.evaluate(() => (window as unknown as { __kobo_pwned?: unknown }).__kobo_pwned)).toBeUndefined();

  await page.goto(app.url);
  await page.getByRole('link', { name: 'Escaping <Everything> & Other "Stories"' }).click();
  const missing = page.locator('figure.markup-page img:not(.strokes)');
  await missing.scrollIntoViewIfNeeded();
  await expect.poll(() => missing.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(600);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
});
