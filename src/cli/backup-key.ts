/**
 * `npm run backup-key -- generate <keyId>`: creates a backup key-encryption key (32 random bytes, never derived from
 * the application secret), adds it to the keys file (ATRIUM_BACKUP_KEYS_FILE, default <data dir>/secrets/backup-keys.json,
 * mode 0600) and prints it ONCE so it can be escrowed offline. Then register it on the Keys page (or POST
 * /api/v1/operations/backup-keys), confirm escrow and activate it. With ATRIUM_BACKUP_KEYS set, add the printed
 * value to that JSON instead (--print-only).
 */
import { loadConfig } from '../platform/config.js';
import { KEY_ID, addKeyToFile, backupSettings, fingerprint, generateKey } from '../modules/operations/backups/settings.js';

const [command, keyId, ...flags] = process.argv.slice(2);
if (command !== 'generate' || !keyId || !KEY_ID.test(keyId)) {
  console.error('usage: npm run backup-key -- generate <keyId> [--print-only]   (keyId: ^[a-z0-9-]{3,40}$)');
  process.exit(2);
}
const config = loadConfig();
const key = generateKey();
const printOnly = flags.includes('--print-only');
if (!printOnly) addKeyToFile(backupSettings(config).keysFile, keyId, key);
console.log(`key id:      ${keyId}`);
console.log(`key:         ${key}`);
console.log(`fingerprint: ${fingerprint(Buffer.from(key, 'base64'))}`);
console.log(printOnly ? 'Not written anywhere: add it to ATRIUM_BACKUP_KEYS yourself.' : `Written to ${backupSettings(config).keysFile} (mode 0600).`);
console.log('Escrow this key offline NOW (it is shown once), then register it, confirm escrow and activate it on the Keys page.');
