import { sql } from 'kysely';
import type { Tx } from '../../../platform/db/transaction.js';

/**
 * Quote numbers (spec §5.2). Pattern tokens: {YYYY} {YY} {MM} {ORG} {SEQ:n}; exactly one {SEQ:n}, n = 1–8.
 * The counter's scope is the rendered pattern without the sequence, so `D-{YYYY}-{SEQ:4}` restarts every year.
 */
const TOKEN = /\{([A-Z]+)(?::(\d+))?\}/g;
const KNOWN = new Set(['YYYY', 'YY', 'MM', 'ORG', 'SEQ']);

export function numberPatternProblem(pattern: string): string | null {
  if (pattern.length < 1 || pattern.length > 60) return 'must be 1 to 60 characters';
  let seq = 0;
  for (const m of pattern.matchAll(TOKEN)) {
    if (!KNOWN.has(m[1]!)) return `unknown token {${m[1]}}`;
    if (m[1] === 'SEQ') {
      const n = Number(m[2]);
      if (!m[2] || n < 1 || n > 8) return '{SEQ:n} needs n between 1 and 8';
      seq++;
    } else if (m[2] !== undefined) return `token {${m[1]}} takes no width`;
  }
  if (seq !== 1) return 'needs exactly one {SEQ:n}';
  if (/[{}]/.test(pattern.replace(TOKEN, ''))) return 'has an unclosed or malformed token';
  return null;
}

export interface NumberContext { isoDate: string; orgCode: string }

function renderTokens(pattern: string, ctx: NumberContext, seq: (width: number) => string): string {
  const [yyyy, mm] = ctx.isoDate.split('-') as [string, string];
  return pattern.replace(TOKEN, (_all, token: string, width?: string) => {
    switch (token) {
      case 'YYYY': return yyyy;
      case 'YY': return yyyy.slice(2);
      case 'MM': return mm;
      case 'ORG': return ctx.orgCode;
      default: return seq(Number(width));
    }
  });
}

export const numberScopeKey = (pattern: string, ctx: NumberContext) => renderTokens(pattern, ctx, () => '');

export const renderNumber = (pattern: string, ctx: NumberContext, value: number) =>
  renderTokens(pattern, ctx, (width) => String(value).padStart(width, '0'));

/**
 * Takes the next number inside the caller's transaction: the counter row is locked by the upsert until commit, so
 * concurrent issues serialise and a rolled-back issue gives its value back (no gaps, no duplicates).
 */
export async function takeNextNumber(tx: Tx, organizationId: string, pattern: string, ctx: NumberContext): Promise<string> {
  const scope = numberScopeKey(pattern, ctx);
  const row = await sql<{ last_value: number }>`
    insert into operations.quote_counter (organization_id, scope_key, last_value) values (${organizationId}, ${scope}, 1)
    on conflict (organization_id, scope_key) do update set last_value = operations.quote_counter.last_value + 1, updated_at = now()
    returning last_value`.execute(tx);
  return renderNumber(pattern, ctx, row.rows[0]!.last_value);
}
