import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { startTestApp, type TestApp, type TestUser } from '../../../../test/helpers/app.js';
import { P, makeOrganization, officeOnly } from './testing.js';
import { DEFAULT_TEMPLATE_BODY } from './templates/body.js';
import { waitFor } from '../../../platform/jobs/testing.js';

let t: TestApp;
let staff: TestUser; let manager: TestUser; let outsider: TestUser;
let org: Awaited<ReturnType<typeof makeOrganization>>;
let other: Awaited<ReturnType<typeof makeOrganization>>;

before(async () => {
  process.env.OPERATIONS_ATTACHMENT_MAX_BYTES = String(64 * 1024);
  t = await startTestApp({ modules: [officeOnly], env: { ATRIUM_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'atrium-office-')) } });
  [staff, manager, outsider] = await Promise.all([t.createUser(['staff']), t.createUser(['manager']), t.createUser(['staff'])]);
  org = await makeOrganization(t, [staff, manager], { code: 'OFF' });
  other = await makeOrganization(t, [outsider], { code: 'OFX' });
});
after(async () => { delete process.env.OPERATIONS_ATTACHMENT_MAX_BYTES; await t.close(); });

const binary = async (url: string, token: string, init: RequestInit = {}) => {
  const res = await fetch(`${t.url}${url}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
};

test('clients and projects: create, filter, version conflicts, project numbers unique per organisation, other org 404', async () => {
  const c = await t.api('POST', `${P}/clients`, { token: staff.token, body: { organizationId: org.id, name: 'Hôpital Nord', email: 'achats@nord.example', phone: '+33123456789' } });
  assert.equal(c.status, 201);
  const badPhone = await t.api('POST', `${P}/clients`, { token: staff.token, body: { organizationId: org.id, name: 'X', phone: '0123' } });
  assert.equal(badPhone.status, 400);
  assert.equal(badPhone.body.code, 'validation_failed'); // the platform's schema-error code (spec: invalid_request)
  const list = await t.api('GET', `${P}/clients?organizationId=${org.id}&q=hôp`, { token: staff.token });
  assert.deepEqual(list.body.items.map((i: any) => i.name), ['Hôpital Nord']);
  const patched = await t.api('PATCH', `${P}/clients/${c.body.id}`, { token: staff.token, body: { version: 1, team: 'Achats' } });
  assert.equal(patched.body.version, 2);
  const stale = await t.api('PATCH', `${P}/clients/${c.body.id}`, { token: staff.token, body: { version: 1, team: 'X' } });
  assert.equal(stale.status, 409);
  assert.equal(stale.body.code, 'version_conflict');
  assert.equal(stale.body.version, 2);
  assert.equal((await t.api('PATCH', `${P}/clients/${c.body.id}`, { token: outsider.token, body: { version: 2, team: 'X' } })).status, 404);
  const archived = await t.api('POST', `${P}/clients/${c.body.id}/archive`, { token: staff.token });
  assert.ok(archived.body.archivedAt);

  const p = await t.api('POST', `${P}/projects`, { token: staff.token, body: { organizationId: org.id, number: 'P-1', name: 'Cohorte', clientId: org.clientId } });
  assert.equal(p.status, 201);
  assert.equal(p.body.clientName, `Client ${org.code}`);
  const taken = await t.api('POST', `${P}/projects`, { token: staff.token, body: { organizationId: org.id, number: 'P-1', name: 'Autre' } });
  assert.equal(taken.body.code, 'project_number_taken');
  const sameNumberElsewhere = await t.api('POST', `${P}/projects`, { token: outsider.token, body: { organizationId: other.id, number: 'P-1', name: 'Autre' } });
  assert.equal(sameNumberElsewhere.status, 201);
  const foreignClient = await t.api('POST', `${P}/projects`, { token: staff.token, body: { organizationId: org.id, number: 'P-2', name: 'x', clientId: other.clientId } });
  assert.equal(foreignClient.body.code, 'client_not_in_organization');
  await t.api('POST', `${P}/quotes`, { token: staff.token, body: { organizationId: org.id, clientId: org.clientId, projectId: p.body.id, title: 'a', amount: '10.00' } });
  await t.api('POST', `${P}/quotes`, { token: staff.token, body: { organizationId: org.id, clientId: org.clientId, projectId: p.body.id, title: 'b', amount: '5.50' } });
  const detail = await t.api('GET', `${P}/projects/${p.body.id}`, { token: staff.token });
  assert.deepEqual(detail.body.totalsByStatus, [{ status: 'draft', currency: 'EUR', count: 2, amount: '15.50' }]);
  assert.equal((await t.api('GET', `${P}/projects/${sameNumberElsewhere.body.id}`, { token: staff.token })).status, 404);
});

test('organisations: members see theirs; only managers change settings; time zone and currency are checked', async () => {
  const mine = await t.api('GET', `${P}/organizations`, { token: staff.token });
  assert.deepEqual(mine.body.items.map((o: any) => o.code), ['OFF']);
  assert.equal((await t.api('PATCH', `${P}/organizations/${org.id}`, { token: staff.token, body: { version: 1, name: 'x' } })).status, 403);
  const tz = await t.api('PATCH', `${P}/organizations/${org.id}`, { token: manager.token, body: { version: 1, timezone: 'Mars/Olympus' } });
  assert.equal(tz.body.code, 'invalid_timezone');
  const ok = await t.api('PATCH', `${P}/organizations/${org.id}`, { token: manager.token, body: { version: 1, legalName: 'Office SAS', timezone: 'Europe/Paris' } });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.legalName, 'Office SAS');
  const members = await t.api('GET', `${P}/organizations/${org.id}/members`, { token: staff.token });
  assert.equal(members.body.items.length, 2);
});

test('templates: managers only; unknown placeholder 422; a new body is a new version; issued quotes keep their frozen version', async () => {
  const body = structuredClone(DEFAULT_TEMPLATE_BODY);
  assert.equal((await t.api('POST', `${P}/quote-templates`, { token: staff.token, body: { organizationId: org.id, name: 'T', body } })).status, 403);
  const bad = structuredClone(body);
  bad.pdf.termsHtml = '<p>{{quote.vat}}</p>';
  const unknown = await t.api('POST', `${P}/quote-templates`, { token: manager.token, body: { organizationId: org.id, name: 'T', body: bad } });
  assert.equal(unknown.status, 422);
  assert.equal(unknown.body.code, 'unknown_placeholder');
  assert.equal(unknown.body.errors[0].path, 'body.pdf.termsHtml');
  const created = await t.api('POST', `${P}/quote-templates`, { token: manager.token, body: { organizationId: org.id, name: 'Standard', isDefault: true, body: { ...body, numberPattern: 'V1-{SEQ:2}' } } });
  assert.equal(created.status, 201);
  assert.equal(created.body.currentVersion, 1);
  const q = (await t.api('POST', `${P}/quotes`, { token: staff.token, body: { organizationId: org.id, clientId: org.clientId, title: 'Frozen', amount: '99.00' } })).body;
  const issued = await t.api('POST', `${P}/quotes/${q.id}/transitions`, { token: staff.token, body: { to: 'issued', version: q.version } });
  assert.equal(issued.body.number, 'V1-01');
  const v1 = issued.body.templateVersionId;
  const updated = await t.api('PATCH', `${P}/quote-templates/${created.body.id}`, { token: manager.token, body: { version: created.body.version, body: { ...body, numberPattern: 'V2-{SEQ:2}', pdf: { ...body.pdf, primaryColor: '#C62828' } } } });
  assert.equal(updated.body.currentVersion, 2);
  const versions = await t.api('GET', `${P}/quote-templates/${created.body.id}/versions`, { token: staff.token });
  assert.deepEqual(versions.body.items.map((v: any) => v.version), [2, 1]);
  assert.equal(versions.body.items[1].body.numberPattern, 'V1-{SEQ:2}');
  assert.equal((await t.api('GET', `${P}/quotes/${q.id}`, { token: staff.token })).body.templateVersionId, v1);
  assert.equal((await t.api('POST', `${P}/quote-templates/${created.body.id}/archive`, { token: manager.token })).body.code, 'default_template');
  const started = Date.now();
  const pdf = await binary(`${P}/quotes/${q.id}/pdf`, staff.token);
  assert.ok(Date.now() - started < 2000, 'PDF renders in under 2 s');
  assert.equal(pdf.status, 200);
  assert.equal(pdf.headers.get('content-type'), 'application/pdf');
  assert.equal(pdf.bytes.subarray(0, 5).toString(), '%PDF-');
  const preview = await binary(`${P}/quote-templates/${created.body.id}/preview`, staff.token, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ quoteId: q.id }) });
  assert.equal(preview.status, 200);
  assert.equal((await binary(`${P}/quotes/${q.id}/pdf`, outsider.token)).status, 404);
});

test('exports: CSV has a BOM and ";"; XLSX has numeric amounts and real date cells; PDF renders', async () => {
  await t.api('POST', `${P}/quotes`, { token: staff.token, body: { organizationId: org.id, clientId: org.clientId, title: 'Export; "quoted"', amount: '1250.50', startDate: '2025-06-02', dueDate: '2025-07-02' } });
  const csv = await binary(`${P}/quotes/export?format=csv&organizationId=${org.id}&q=Export`, staff.token);
  assert.equal(csv.status, 200);
  assert.deepEqual([...csv.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const lines = csv.bytes.subarray(3).toString('utf8').trim().split('\r\n');
  assert.equal(lines[0], 'number;title;client;project;responsible;amount;currency;startDate;dueDate;status;issuedAt;paidAt');
  assert.match(lines[1]!, /^;"Export; ""quoted""";Client OFF;;[^;]*;1250\.50;EUR;2025-06-02;2025-07-02;draft;;$/);
  const xlsx = await binary(`${P}/quotes/export?format=xlsx&organizationId=${org.id}&q=Export`, staff.token);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(xlsx.bytes as any);
  const ws = wb.getWorksheet('Devis')!;
  assert.equal(ws.getRow(1).font?.bold, true);
  assert.equal(ws.getCell('F2').value, 1250.5);
  assert.ok(ws.getCell('H2').value instanceof Date);
  assert.equal((ws.getCell('H2').value as Date).toISOString().slice(0, 10), '2025-06-02');
  const pdf = await binary(`${P}/quotes/export?format=pdf&organizationId=${org.id}`, staff.token);
  assert.equal(pdf.bytes.subarray(0, 5).toString(), '%PDF-');
  assert.equal((await binary(`${P}/quotes/export?format=csv&organizationId=${other.id}`, staff.token)).status, 404);
  const clients = await binary(`${P}/clients/export?format=csv&organizationId=${org.id}`, staff.token);
  assert.match(clients.bytes.toString('utf8'), /Client OFF/);
  const projects = await binary(`${P}/projects/export?format=xlsx&organizationId=${org.id}`, staff.token);
  assert.equal(projects.status, 200);
});

test('attachments: type sniffed from content, size limit, SHA-256 stored, download with RFC 6266 name, other org 404', async () => {
  const q = (await t.api('POST', `${P}/quotes`, { token: staff.token, body: { organizationId: org.id, clientId: org.clientId, title: 'With files', amount: '1' } })).body;
  const upload = (name: string, bytes: Buffer, type: string, token = staff.token, ownerId = q.id) => {
    const form = new FormData();
    form.set('ownerType', 'quote');
    form.set('ownerId', ownerId);
    form.set("file", new Blob([new Uint8Array(bytes)], { type }), name);
    return fetch(`${t.url}${P}/attachments`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({ status: r.status, body: await r.json() as any }));
  };
  const pdfBytes = Buffer.from('%PDF-1.4\n% demo\n');
  const ok = await upload('bon de commande é.pdf', pdfBytes, 'application/octet-stream');
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal(ok.body.mimeType, 'application/pdf');
  assert.equal(ok.body.sha256, createHash('sha256').update(pdfBytes).digest('hex'));
  const html = await upload('evil.pdf', Buffer.from('<html><script>alert(1)</script></html>'), 'application/pdf');
  assert.equal(html.status, 422);
  assert.equal(html.body.code, 'attachment_type_not_allowed');
  const big = await upload('big.pdf', Buffer.concat([Buffer.from('%PDF-'), Buffer.alloc(70 * 1024)]), 'application/pdf');
  assert.equal(big.body.code, 'attachment_too_large');
  assert.equal((await upload('x.pdf', pdfBytes, 'application/pdf', outsider.token)).status, 404);
  const file = await binary(`${P}/attachments/${ok.body.id}/content`, staff.token);
  assert.deepEqual(file.bytes, pdfBytes);
  assert.equal(file.headers.get('content-disposition'), `attachment; filename="bon de commande _.pdf"; filename*=UTF-8''bon%20de%20commande%20%C3%A9.pdf`);
  assert.equal((await binary(`${P}/attachments/${ok.body.id}/content`, outsider.token)).status, 404);
  const detail = await t.api('GET', `${P}/quotes/${q.id}`, { token: staff.token });
  assert.deepEqual(detail.body.attachments.map((a: any) => a.id), [ok.body.id]);
  assert.equal((await t.api('DELETE', `${P}/attachments/${ok.body.id}`, { token: staff.token })).status, 204);
  assert.equal((await binary(`${P}/attachments/${ok.body.id}/content`, staff.token)).status, 404);
});

test('an export above the direct limit runs in the background: 202 {runId}, an in-app link, the file for its requester only', async () => {
  const e = await makeOrganization(t, [staff, outsider], { code: 'EXP' });
  for (let i = 0; i < 3; i++) await t.api('POST', `${P}/quotes`, { token: staff.token, body: { organizationId: e.id, clientId: e.clientId, title: `Export ${i}`, amount: '1.00' } });
  process.env.OPERATIONS_EXPORT_SYNC_MAX_ROWS = '2';
  let res;
  try { res = await t.api('GET', `${P}/quotes/export?format=csv&organizationId=${e.id}`, { token: staff.token }); } finally { delete process.env.OPERATIONS_EXPORT_SYNC_MAX_ROWS; }
  assert.equal(res.status, 202);
  const runId = res.body.runId as string;
  await waitFor('the export run', () => t.db.db.selectFrom('platform.operation_run').selectAll().where('job_id', '=', runId).where('status', '=', 'succeeded').executeTakeFirst(), 30_000);
  const message = await waitFor('the in-app message', () => t.db.db.selectFrom('platform.notification_outbox').selectAll().where('dedup_key', '=', `operations:export:${runId}`).executeTakeFirst());
  assert.equal(message.template, 'operations.export_ready');
  const file = await binary(`${P}/exports/${runId}/file`, staff.token);
  assert.equal(file.status, 200);
  assert.equal(file.bytes.subarray(3).toString('utf8').trim().split('\r\n').length, 4);
  assert.equal((await binary(`${P}/exports/${runId}/file`, outsider.token)).status, 404);
});
