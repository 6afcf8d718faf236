// Backups page: an admin runs a backup from the page, tests its restore, and sees it verified; keys and restores pages.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { screenshot, signIn, startWebTest, type WebTest } from './browser.js';
import { operations } from '../../src/modules/operations/index.js';
import { KEY_A, missingPgDump, setKeys } from '../../src/modules/operations/backups/testing.js';
import { fingerprint } from '../../src/modules/operations/backups/settings.js';

let w: WebTest;
let skip: string | null = null;
before(async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'atrium-e2e-backups-'));
  process.env.ATRIUM_BACKUP_DIR = path.join(dataDir, 'backups');
  setKeys({ 'key-a': KEY_A });
  w = await startWebTest({ modules: [operations], env: { ATRIUM_DATA_DIR: dataDir } });
  skip = await missingPgDump(w.server.db.url);
  const db = w.server.db.db;
  await db.insertInto('operations.backup_key').values({ key_id: 'key-a', fingerprint: fingerprint(KEY_A), status: 'active', escrow_confirmed_at: new Date(), activated_at: new Date() }).execute();
  await db.insertInto('operations.backup_config').values({ name: 'daily', storage: JSON.stringify({ kind: 'local' }), is_default: true }).execute();
});
after(async () => w?.close());

test('an admin runs a backup from the Backups page, tests its restore and sees it verified', async (c) => {
  if (skip) return c.skip(skip);
  const admin = await w.server.createUser(['admin'], { email: 'backup-admin@example.test' });
  const { page, errors } = await w.open();
  await signIn(page, admin.email, admin.password);
  await page.getByRole('link', { name: 'Backups' }).first().click();
  await page.getByText('No backups yet').waitFor();
  await screenshot(page, 'operations-backups-empty');
  await page.getByTestId('run-backup').click();
  const row = page.getByTestId('backups-table').locator('tbody tr').first();
  await row.getByText('Completed').waitFor({ timeout: 60_000 });
  await row.getByText('SHA-256 OK').waitFor();
  await row.getByTestId('restore-verify').click();
  await row.getByTestId('verify-status').getByText('Verified').waitFor({ timeout: 90_000 });
  await page.getByRole('button', { name: 'Retention preview' }).click();
  await page.getByText('GFS keeps 1 backups and would delete 0.').waitFor();
  await screenshot(page, 'operations-backups');

  await page.getByRole('link', { name: 'Restores' }).first().click();
  const restore = page.getByTestId('restores-table').locator('tbody tr').first();
  await restore.getByText('Passed').waitFor();
  await restore.click();
  await page.getByRole('dialog').getByRole('cell', { name: 'canary', exact: true }).waitFor();
  await screenshot(page, 'operations-restores-checks');
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).first().click();
  await page.getByRole('button', { name: 'Restore a backup' }).click();
  await page.getByRole('dialog').getByText('Choose a backup').waitFor();
  await screenshot(page, 'operations-restores-wizard');
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).first().click();

  await page.getByRole('link', { name: 'Backup keys' }).first().click();
  const key = page.getByTestId('keys-table').locator('tr', { hasText: 'key-a' });
  await key.getByText('Active').waitFor();
  assert.equal(await key.locator('td').nth(4).innerText(), '1');
  await screenshot(page, 'operations-backup-keys');
  assert.deepEqual(errors, []);
});

test('a staff member does not see the backup pages', async () => {
  const staff = await w.server.createUser(['staff'], { email: 'backup-staff@example.test' });
  const { page } = await w.open();
  await signIn(page, staff.email, staff.password);
  await page.goto('/operations/backups');
  await page.getByText('You cannot open this page.').waitFor();
});
