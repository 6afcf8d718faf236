import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startTestApp, type TestApp, type TestUser } from '../../../../test/helpers/app.js';
import { createSourcingModule } from '../index.js';
import { P, buildWorld } from '../testing.js';
import { parseRows, template } from './columns.js';
import { runImport } from './run.js';

let t: TestApp;
let buyer: TestUser; let buyer2: TestUser; let manager: TestUser; let admin: TestUser;

before(async () => {
  t = await startTestApp({ modules: [createSourcingModule()] });
  [buyer, buyer2, manager, admin] = await Promise.all([t.createUser(['buyer']), t.createUser(['buyer']), t.createUser(['manager']), t.createUser(['admin'])]);
  await buildWorld(t, buyer, admin);
});
after(() => t.close());

const upload = async (kind: string, csv: string, { partial = false, token = buyer.token } = {}) => {
  const form = new FormData();
  form.set('kind', kind);
  form.set('partial', String(partial));
  form.set('file', new Blob([csv], { type: 'text/csv' }), `${kind}.csv`);
  const r = await fetch(`${t.url}${P}/imports`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  return { status: r.status, body: await r.json() as any };
};
/** Runs the queued job's handler now (the queue would run the same function). */
const run = async (id: string) => { await runImport(t.app.platform as never, id); return (await t.api('GET', `${P}/imports/${id}`, { token: buyer.token })).body; };
const count = async (table: string) => Number((await sql<{ n: string }>`select count(*) as n from ${sql.raw(table)}`.execute(t.db.db)).rows[0]!.n);

test('parseRows types cells and reports each bad cell with its line and column', () => {
  const csv = 'name,country,riskAllowancePct,nextReviewOn,contactEmail\nGood,FR,5,2027-01-31,a@b.example\nBad,fr,70,2027-02-30,nope\n';
  const { rows, errors } = parseRows('suppliers', Buffer.from(csv));
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[0]!.values.riskAllowancePct, 5);
  const sorted = (x: unknown[][]) => x.map((e) => e.join(' ')).sort();
  assert.deepEqual(sorted(errors.map((e) => [e.row, e.column, e.code])), sorted([
    [3, 'country', 'invalid_country'], [3, 'contactEmail', 'invalid_email'], [3, 'riskAllowancePct', 'out_of_range'], [3, 'nextReviewOn', 'invalid_date'],
  ]));
  assert.equal(parseRows('suppliers', Buffer.from('nom,pays\nA,FR\n')).errors[0]!.code, 'unknown_column');
  assert.equal(parseRows('materials', Buffer.from('name,unit\nOil,l\n')).errors[0]!.code, 'mass_required');
  assert.equal(parseRows('deliveries', Buffer.from(template('deliveries').replace('9950', '20000'))).errors[0]!.code, 'accepted_exceeds_delivered');
  assert.deepEqual(parseRows('audits', Buffer.from(template('audits'))).errors, []);
});

test('one bad row fails the whole import and writes nothing; the report lists every error; partial imports the valid rows', async () => {
  const before = await count('sourcing.suppliers');
  const csv = 'name,country,status,statusReason\nMoulin Neuf,FR,active,\nFerme Laval,CA,active,\nSans Pays,,active,\nBloqué,BE,blocked,\nMoulin Neuf,FR,active,\n';
  const up = await upload('suppliers', csv);
  assert.equal(up.status, 202, JSON.stringify(up.body));
  const report = await run(up.body.id);
  assert.equal(report.status, 'failed');
  assert.equal(report.rowsTotal, 5);
  assert.equal(report.rowsOk, 0);
  assert.deepEqual(report.errors.map((e: any) => [e.row, e.column, e.code]), [
    [3, 'name', 'duplicate_supplier'], [4, 'country', 'required'], [5, 'statusReason', 'reason_required'], [6, 'name', 'duplicate_in_file'],
  ]);
  assert.equal(await count('sourcing.suppliers'), before);

  const partial = await run((await upload('suppliers', csv, { partial: true })).body.id);
  assert.equal(partial.status, 'completed');
  assert.equal(partial.rowsOk, 1);
  assert.equal(partial.errors.length, 4);
  assert.equal(await count('sourcing.suppliers'), before + 1);
  // A retried job after completion changes nothing (status guard).
  const again = await runImport(t.app.platform as never, partial.id);
  assert.deepEqual(again, { skipped: true });
  assert.equal(await count('sourcing.suppliers'), before + 1);
  const audit = await sql<{ n: string }>`select count(*) as n from platform.audit_events where action = 'sourcing.supplier.created' and actor_id = ${buyer.id}`.execute(t.db.db);
  assert.ok(Number(audit.rows[0]!.n) >= 1);
});

test('deliveries, sites, audits and certificates resolve suppliers and materials by name', async () => {
  const deliveries = `supplierName,supplierCountry,materialName,poNumber,orderedOn,promisedOn,deliveredOn,quantityOrdered,quantityDelivered,quantityAccepted,unitsInspected,defectiveUnits
Ferme Laval,CA,Soybean,PO-IMP-1,2026-04-01,2026-04-15,2026-04-14,5000,5000,5000,100,0
Ferme Laval,CA,Soybean,PO-A-0,2026-04-01,2026-04-15,,5000,,,,
Nobody,CA,Soybean,PO-IMP-2,2026-04-01,2026-04-15,,5000,,,,
Ferme Laval,CA,Caviar,PO-IMP-3,2026-04-01,2026-04-15,,5000,,,,
`;
  const r = await run((await upload('deliveries', deliveries, { partial: true })).body.id);
  assert.equal(r.rowsOk, 1);
  assert.deepEqual(r.errors.map((e: any) => e.code), ['duplicate_delivery', 'unknown_supplier', 'unknown_material']);
  const certs = await run((await upload('certifications', 'supplierName,supplierCountry,code,validFrom,validUntil,grade\nPrairie Export,US,ifs_food,2026-01-01,2027-01-01,higher\nPrairie Export,US,iso_9001,2026-01-01,2027-01-01,AA\nPrairie Export,US,made_up,2026-01-01,2027-01-01,\n')).body.id);
  assert.equal(certs.status, 'failed');
  assert.deepEqual(certs.errors.map((e: any) => [e.row, e.code]), [[3, 'grade_not_applicable'], [4, 'unknown_certification']]);
  const sites = await run((await upload('sites', 'supplierName,supplierCountry,name,country,latitude,longitude,isPrimary\nFerme Laval,CA,Mirabel,CA,45.65,-74.08,false\nFerme Laval,CA,Other,CA,45.6,-74,true\n')).body.id);
  assert.deepEqual(sites.errors.map((e: any) => e.code), ['primary_exists']);
  const audits = await run((await upload('audits', template('audits').replace('Ferme Laval Grains', 'Ferme Laval'))).body.id);
  assert.equal(audits.status, 'completed', JSON.stringify(audits.errors));
  assert.equal(audits.rowsOk, 1);
});

test('access: buyers and managers upload; admins and other roles do not; another buyer\'s import answers 404; templates and bad uploads', async () => {
  const up = await upload('materials', 'name,unit\nOat flour,kg\n');
  assert.equal(up.status, 202);
  assert.equal((await t.api('GET', `${P}/imports/${up.body.id}`, { token: buyer2.token })).status, 404);
  assert.equal((await t.api('GET', `${P}/imports/${up.body.id}`, { token: manager.token })).status, 200);
  assert.equal((await t.api('GET', `${P}/imports/${up.body.id}`, { token: admin.token })).status, 403);
  assert.equal((await upload('materials', 'name,unit\nX,kg\n', { token: admin.token })).status, 403);
  assert.equal((await upload('materials', 'name,unit\nX,kg\n', { token: manager.token })).status, 202);
  assert.equal((await upload('offers', 'a\n1\n')).status, 400);
  assert.equal((await upload('materials', '')).status, 422);
  assert.equal((await t.api('GET', `${P}/imports/00000000-0000-7000-8000-000000000000`, { token: buyer.token })).status, 404);
  const tpl = await t.api('GET', `${P}/imports/templates/deliveries.csv`, { token: buyer.token });
  assert.equal(tpl.status, 200);
  assert.match(tpl.body, /^supplierName,supplierCountry,materialName,poNumber/);
  assert.equal((await t.api('GET', `${P}/imports/templates/users.csv`, { token: buyer.token })).status, 400);
});
