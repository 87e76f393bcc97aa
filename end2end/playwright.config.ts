import { defineConfig, devices } from '@playwright/test';

// Every test starts the servers it needs (the real kobo-shelf binary, and for sync tests a
// real S3 server behind a fault proxy) on free loopback ports; see tests/support/servers.ts.
export default defineConfig({
  testDir: './tests',
  timeout: 90_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'test-results/results.json' }]],
  outputDir: './test-results',
  // `debug` runs every spec against the debug build; `release` runs the specs that need the
  // hydrated WASM against the release build users deploy (wasm-opt'd bundle), so a bundle that
  // fails to start cannot land (see tests/support/servers.ts).
  projects: [
    // Offline reading needs the release build's bundle names (and runs once).
    { name: 'debug', testIgnore: /offline\.spec\.ts/ },
    { name: 'release', testMatch: /(hydration|sync-badge|library|offline)\.spec\.ts/ },
  ],
  use: {
    ...devices['Desktop Chrome'],
    trace: 'retain-on-failure',
    launchOptions: {
      // Debian's Chromium: no browser download on these machines.
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
});
