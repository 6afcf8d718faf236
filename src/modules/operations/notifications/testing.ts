import { sql } from 'kysely';
import type { AtriumModule, App, ModuleContext } from '../../../platform/types.js';
import type { TestApp, TestUser } from '../../../../test/helpers/app.js';
import { localDate } from './catch-up.js';
import { registerNotifications } from './index.js';

export const P = '/api/v1/operations';

/** The notifications and housekeeping parts alone, mounted where the operations module would be. */
export const notificationsOnly: AtriumModule = {
  name: 'operations', routes: (async (app: App, ctx: ModuleContext) => registerNotifications(app, ctx)) as AtriumModule['routes'],
};

/** The services a route handler would get, for calling the scan and the KPIs directly with a controlled clock. */
export const contextOf = (app: App): ModuleContext => ({ ...app.platform, log: app.log } as unknown as ModuleContext);

let seq = 0;
/** An organisation (Europe/Paris unless told) with members and one client, written through SQL (office tables). */
export async function makeOrg(t: TestApp, members: TestUser[], timezone = 'Europe/Paris') {
  const code = `N${String(++seq).padStart(2, '0')}${Math.floor(Math.random() * 9000 + 1000)}`;
  const { rows: [org] } = await sql<{ id: string }>`insert into operations.organization (name, code, timezone) values (${`Org ${code}`}, ${code}, ${timezone}) returning id`.execute(t.db.db);
  for (const m of members) await sql`insert into operations.organization_member (organization_id, user_id) values (${org!.id}, ${m.id})`.execute(t.db.db);
  const { rows: [client] } = await sql<{ id: string }>`insert into operations.client (organization_id, name) values (${org!.id}, ${`Client ${code}`}) returning id`.execute(t.db.db);
  return { id: org!.id, code, clientId: client!.id };
}

/** An issued quote (or another status) with the given payment period. */
export async function makeQuote(t: TestApp, org: { id: string; code: string; clientId: string }, responsible: TestUser,
  dates: { start: string | null; due: string | null }, status = 'issued') {
  const number = `${org.code}-${String(++seq).padStart(4, '0')}`;
  const { rows: [q] } = await sql<{ id: string }>`insert into operations.quote
    (organization_id, client_id, number, title, amount, currency, responsible_user_id, start_date, due_date, status, issued_at)
    values (${org.id}, ${org.clientId}, ${number}, ${`Analyses ${number}`}, 1250.00, 'EUR', ${responsible.id}, ${dates.start}, ${dates.due}, ${status}, now())
    returning id`.execute(t.db.db);
  return { id: q!.id, number };
}

/** The Paris calendar date `days` from today (negative: in the past). */
export const parisDay = (days: number, from = new Date()) => localDate(new Date(from.getTime() + days * 86_400_000), 'Europe/Paris');

/** 08:00 Europe/Paris on the given date (summer or winter time), as the daily schedule fires. */
export function parisMorning(date: string): Date {
  for (const offset of [2, 1]) {
    const d = new Date(`${date}T${String(8 - offset).padStart(2, '0')}:00:00Z`);
    if (new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', hourCycle: 'h23' }).format(d) === '08') return d;
  }
  throw new Error(`no 08:00 on ${date}`);
}
