// Single-user login in Chromium against the real server: every page, server function and API
// behind it, and the pitfalls it must avoid (guessing, cross-site posts, open redirects).

import { expect, Page, request as apiRequest, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { App, debugBinary, startApp, waitForLog, waitForSync } from './support/servers';

const password = 'correct horse battery staple';
const passwordHash = execFileSync(debugBinary, ['hash-password'], {
  input: `${password}\n`,
})
  .toString()
  .trim();
const loginEnv = {
  KOBO_SHELF_USERNAME: 'reader',
  KOBO_SHELF_PASSWORD_HASH: passwordHash,
  KOBO_SHELF_SESSION_SECRET: 'e2e-session-secret-0123456789abcdef0123456789',
};
const warAndPeace = `/book?id=${encodeURIComponent('file:///mnt/onboard/Tolstoy, Leo/War and Peace - Leo Tolstoy.kepub.epub')}`;

let app: App;

test.beforeEach(async () => {
  // A server per test: the login attempt limit counts per client address.
  app = await startApp(loginEnv);
  // The sync API needs a session: wait on the log instead.
  await waitForLog(app, /sync: library replaced/);
});

test.afterEach(() => app.stop());

async function logIn(page: Page, name = 'reader', secret = password) {
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(secret);
  await page.getByRole('button', { name: 'Log in' }).click();
}

test('a page sends the visitor to the login page and back after login', async ({ page, context }) => {
  await page.goto(`${app.url}${warAndPeace}`);
  await expect(page).toHaveURL(/\/login\?next=/);
  await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
  await logIn(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('War and Peace');
  expect(page.url()).toBe(`${app.url}${warAndPeace}`);
  const [cookie] = await context.cookies();
  expect(cookie).toMatchObject({ name: 'kobo_shelf_session', httpOnly: true, sameSite: 'Lax', secure: false });
  await expect(page.locator('.sign-out .user')).toHaveText('reader');
});

test('a wrong password is refused without saying which field was wrong', async ({ page }) => {
  await page.goto(app.url);
  await logIn(page, 'reader', 'wrong password');
  await expect(page.getByRole('alert')).toHaveText('Wrong name or password.');
  await logIn(page, 'someone', password);
  await expect(page.getByRole('alert')).toHaveText('Wrong name or password.');
  await page.goto(app.url);
  await expect(page).toHaveURL(/\/login/);
  expect(app.log.join('\n')).not.toContain(password);
  expect(app.log.join('\n')).not.toContain('wrong password');
});

test('logging out ends the session', async ({ page }) => {
  await page.goto(app.url);
  await logIn(page);
  await expect(page.getByRole('heading', { name: 'Library' })).toBeVisible();
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto(`${app.url}/settings`);
  await expect(page).toHaveURL(/\/login\?next=%2Fsettings/);
});

test('APIs and server functions answer 401 with JSON without a session; assets stay public', async ({ page }) => {
  await page.goto(app.url);
  await logIn(page);
  const serverFunction = await page.locator('form.sync-now').getAttribute('action');
  expect(serverFunction).toMatch(/^\/api\/check_and_sync/);

  const anonymous = await apiRequest.newContext({ baseURL: app.url });
  const status = await anonymous.get('/api/sync-status');
  expect(status.status()).toBe(401);
  expect(await status.json()).toEqual({ error: 'login required' });
  expect((await anonymous.post('/api/check-and-sync')).status()).toBe(401);
  const refused = await anonymous.post(serverFunction!);
  expect(refused.status()).toBe(401);
  expect(await refused.json()).toBe('LoginRequired');
  expect((await anonymous.post('/api/login_state')).status()).toBe(200);
  const redirect = await anonymous.get('/', { maxRedirects: 0 });
  expect(redirect.status()).toBe(303);
  expect(redirect.headers()['location']).toBe('/login?next=%2F');
  expect((await anonymous.get('/pkg/kobo-shelf.css')).status()).toBe(200);
  expect((await anonymous.get('/api/health')).status()).toBe(200);
  await anonymous.dispose();
});

test('the sixth login attempt within a minute gets 429 with Retry-After', async () => {
  const client = await apiRequest.newContext({ baseURL: app.url });
  for (let attempt = 1; attempt <= 5; attempt += 1) {
    const response = await client.post('/login', {
      form: { username: 'reader', password: `guess ${attempt}`, next: '/' },
      maxRedirects: 0,
    });
    expect(response.status(), `attempt ${attempt}`).toBe(303);
  }
  const limited = await client.post('/login', { form: { username: 'reader', password }, maxRedirects: 0 });
  expect(limited.status()).toBe(429);
  expect(Number(limited.headers()['retry-after'])).toBeGreaterThan(0);
  expect(await limited.text()).toContain('Too many login attempts');
  await client.dispose();
});

test('the library, book pages and the sync badge work after login', async ({ page }) => {
  await page.goto(app.url);
  const checked = page.waitForResponse((r) => r.url().includes('/api/check_and_sync'));
  await logIn(page);
  await expect(page.locator('.library-count')).toHaveText('19 items');
  expect((await checked).status()).toBe(200);
  await expect(page.locator('.sync-badge')).toHaveCount(0, { timeout: 2_000 });
  await page.getByRole('link', { name: 'War and Peace' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('War and Peace');
  await page.goto(`${app.url}/settings`);
  await expect(page.getByText('on, for reader')).toBeVisible();
  await expect(page.locator('tr', { hasText: 'KOBO_SHELF_SESSION_SECRET' })).toContainText('set (hidden)');
  await expect(page.getByText(passwordHash)).toHaveCount(0);
});

test('when the session ends, the badge stays quiet and the page asks to log in again', async ({ page, context }) => {
  await page.goto(app.url);
  const checked = page.waitForResponse((r) => r.url().includes('/api/check_and_sync'));
  await logIn(page);
  await checked;
  await expect(page.locator('.library-count')).toHaveText('19 items');
  await context.clearCookies();
  const refused = page.waitForResponse((r) => r.url().includes('/api/check_and_sync'));
  await page.getByRole('button', { name: 'Sync now' }).click();
  expect((await refused).status()).toBe(401);
  await page.waitForTimeout(1_000);
  await expect(page.locator('.sync-badge')).toHaveCount(0);
  // Pages are server-rendered (islands): the next one is a full load, which the server sends
  // to the login form, coming back to the book after it.
  await page.getByRole('link', { name: 'War and Peace' }).click();
  await expect(page).toHaveURL(/\/login\?next=%2Fbook%3Fid%3D/);
  await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
});

test('cross-site posts and open redirects are refused', async () => {
  const client = await apiRequest.newContext({ baseURL: app.url });
  const forged = await client.post('/login', {
    form: { username: 'reader', password, next: '/' },
    headers: { Origin: 'https://evil.example' },
    maxRedirects: 0,
  });
  expect(forged.status()).toBe(403);
  const outward = await client.post('/login', { form: { username: 'reader', password, next: '//evil.example/' }, maxRedirects: 0 });
  expect(outward.status()).toBe(303);
  expect(outward.headers()['location']).toBe('/');
  await client.dispose();
});

test.describe('login off', () => {
  test('everything is open and the app says so', async ({ page }) => {
    const open = await startApp();
    try {
      await waitForSync(open, (s) => s.status === 'completed');
      await page.goto(open.url);
      await expect(page.locator('.library-count')).toHaveText('19 items');
      await expect(page.getByRole('button', { name: 'Log out' })).toHaveCount(0);
      await page.goto(`${open.url}/login`);
      await expect(page.getByRole('heading', { name: 'Login is off' })).toBeVisible();
      await page.goto(`${open.url}/settings`);
      await expect(page.getByText(/^off: anyone who can reach this address/)).toBeVisible();
      expect(open.log.join('\n')).toContain('login is off');
    } finally {
      open.stop();
    }
  });
});
