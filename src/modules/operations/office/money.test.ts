import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lineTotal, normaliseAmount, sumLines } from './money.js';
import { numberPatternProblem, numberScopeKey, renderNumber } from './numbering.js';
import { templateBodyProblems, DEFAULT_TEMPLATE_BODY, fillPlaceholders } from './templates/body.js';
import { canTransition, frozenFields } from './quotes/rules.js';
import { sniffMime, contentDisposition, cleanFileName } from './attachments/sniff.js';

test('line totals round half away from zero and the amount is their sum (spec §3.1)', () => {
  assert.equal(lineTotal('5', '250.00'), '1250.00');
  assert.equal(lineTotal('0.333', '0.15'), '0.05'); // 0.04995 → 0.05
  assert.equal(lineTotal('1.005', '1.00'), '1.01'); // 1.005 exactly: half goes away from zero
  assert.equal(lineTotal('0.001', '0.01'), '0.00');
  assert.equal(sumLines([{ quantity: '96', unitPrice: '38.50' }, { quantity: '1', unitPrice: '420.00' }]), '4116.00');
  assert.equal(normaliseAmount('12.5', 'EUR'), '12.50');
  assert.equal(normaliseAmount('12.505', 'EUR'), null);
  assert.equal(normaliseAmount('12.5', 'JPY'), null);
});

test('numbering example of §5.2: LAB, {ORG}-{YY}{MM}-{SEQ:3}, 2025-06-04, counter at 41 → LAB-2506-042', () => {
  const ctx = { isoDate: '2025-06-04', orgCode: 'LAB' };
  assert.equal(numberScopeKey('{ORG}-{YY}{MM}-{SEQ:3}', ctx), 'LAB-2506-');
  assert.equal(renderNumber('{ORG}-{YY}{MM}-{SEQ:3}', ctx, 42), 'LAB-2506-042');
  assert.equal(numberScopeKey('D-{YYYY}-{SEQ:4}', ctx), 'D-2025-');
  assert.equal(numberPatternProblem('D-{YYYY}-{SEQ:4}'), null);
  assert.match(numberPatternProblem('D-{YYYY}')!, /exactly one/);
  assert.match(numberPatternProblem('{SEQ:2}{SEQ:3}')!, /exactly one/);
  assert.match(numberPatternProblem('{SEQ:9}')!, /between 1 and 8/);
  assert.match(numberPatternProblem('{FOO}-{SEQ:3}')!, /unknown token/);
});

test('templates: unknown placeholders, bad number patterns and unsafe HTML are refused; values are escaped', () => {
  const body = structuredClone(DEFAULT_TEMPLATE_BODY);
  assert.equal(templateBodyProblems(body), null);
  body.pdf.introHtml = '<p>{{quote.total}}</p>';
  assert.deepEqual(templateBodyProblems(body), { code: 'unknown_placeholder', errors: [{ path: 'body.pdf.introHtml', message: 'unknown placeholder {{quote.total}}' }] });
  body.pdf.introHtml = '<p onclick="x()">a</p>';
  assert.equal(templateBodyProblems(body)!.code, 'unsafe_html');
  body.pdf.introHtml = '<script>alert(1)</script>';
  assert.equal(templateBodyProblems(body)!.code, 'unsafe_html');
  body.pdf.introHtml = '<img src="attachment:0190a0a0-0000-7000-8000-000000000000">';
  assert.equal(templateBodyProblems(body), null);
  body.numberPattern = 'D-{YYYY}';
  assert.equal(templateBodyProblems(body)!.code, 'invalid_number_pattern');
  assert.equal(fillPlaceholders('<p>{{client.name}}</p>', { 'client.name': '<b>A&B</b>' }), '<p>&lt;b&gt;A&amp;B&lt;/b&gt;</p>');
});

test('the quote state machine of §3.6 and the fields each status freezes', () => {
  assert.ok(canTransition('draft', 'issued'));
  assert.ok(canTransition('issued', 'rejected'));
  assert.ok(canTransition('accepted', 'paid'));
  assert.ok(!canTransition('draft', 'paid'));
  assert.ok(!canTransition('paid', 'cancelled'));
  assert.ok(!canTransition('rejected', 'accepted'));
  assert.deepEqual(frozenFields('issued', ['amount', 'dueDate', 'clientId', 'notes']), ['amount', 'clientId']);
  assert.deepEqual(frozenFields('draft', ['amount', 'lines']), []);
});

test('uploads are typed by content; download names are RFC 6266 encoded', () => {
  assert.equal(sniffMime(Buffer.from('%PDF-1.7\n...')), 'application/pdf');
  assert.equal(sniffMime(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0])), 'image/png');
  assert.equal(sniffMime(Buffer.from('<html>')), null);
  assert.equal(contentDisposition('devis été.pdf'), `attachment; filename="devis _t_.pdf"; filename*=UTF-8''devis%20%C3%A9t%C3%A9.pdf`);
  assert.equal(cleanFileName('../../etc/passwd'), 'passwd');
});
