// The daily review in Chromium against the real server: three cards answered with the keys
// 1–4 (the page's island), and three through the plain form without JavaScript; each answer
// shows the next card and the header counts what is left.

import { expect, Page, test } from '@playwright/test';
import { App, startApp, waitForSync } from './support/servers';

// The id of the card on the page now (from its form).
async function cardId(page: Page): Promise<string> {
  return (await page.locator('.review-answers input[name="highlight"]').getAttribute('value')) ?? '';
}

async function startReview(): Promise<App> {
  const app = await startApp({ KOBO_SHELF_REVIEW_CARDS: '3', KOBO_SHELF_REVIEW_NEW_PER_DAY: '3' });
  await waitForSync(app, (s) => s.status === 'completed');
  return app;
}

test('three cards answered with the keyboard', async ({ page }) => {
  const app = await startReview();
  try {
    await page.goto(`${app.url}/review`);
    await expect(page.getByRole('heading', { name: 'Daily review' })).toBeVisible();
    await expect(page.locator('.site-nav .count')).toHaveText('3');
    await expect(page.locator('.review-keys')).toBeVisible(); // the island runs
    const seen: string[] = [];
    for (const [key, left] of [['3', 2], ['1', 2], ['4', 1]] as const) {
      const id = await cardId(page);
      seen.push(id);
      await expect(page.locator('.review-keys')).toBeVisible();
      await page.keyboard.press(key);
      await expect.poll(() => cardId(page)).not.toBe(id);
      await expect(page.locator('.review-progress')).toContainText(`${left} to go`);
    }
    // "Again" (key 1) brought its card back after the others.
    expect(await cardId(page)).toBe(seen[1]);
    await page.keyboard.press('3');
    await expect(page.locator('.review-progress')).toHaveText('Done for today: 3 cards reviewed.');
    await expect(page.locator('.site-nav .count')).toHaveCount(0);
  } finally {
    app.stop();
  }
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('three cards answered through the plain form', async ({ page }) => {
    const app = await startReview();
    try {
      await page.goto(`${app.url}/review`);
      await expect(page.locator('.review-keys')).toHaveCount(0); // no claim the keys work
      for (const left of [3, 2, 1]) {
        await expect(page.locator('.review-progress')).toHaveText(`${3 - left} of 3 done · ${left} to go`);
        await page.getByRole('button', { name: 'Good' }).click();
      }
      await expect(page.locator('.review-progress')).toHaveText('Done for today: 3 cards reviewed.');
    } finally {
      app.stop();
    }
  });
});
