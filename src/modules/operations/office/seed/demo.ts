import type { ModuleContext } from '../../../../platform/types.js';
import { hashPassword } from '../../../../platform/auth/passwords.js';
import { DEFAULT_TEMPLATE_BODY } from '../templates/body.js';
import { sumLines } from '../money.js';
import { addDays, dateInZone } from '../quotes/rules.js';
import { takeNextNumber } from '../numbering.js';

export const OFFICE_DEMO_ACCOUNTS = {
  staff: { email: 'nadia.benali@demo.atrium.local', password: 'demo-office-2025', displayName: 'Nadia Benali', role: 'staff' },
  manager: { email: 'marc.lefevre@demo.atrium.local', password: 'demo-office-manager-2025', displayName: 'Marc Lefèvre', role: 'manager' },
} as const;

const CLIENTS = [
  ['Hôpital Saint-Louis', 'Claire', 'Moreau', 'achats@saint-louis.example', '+33142494949', 'Biologie'],
  ['Institut Pasteur — plateforme', 'Hugo', 'Bernard', 'plateforme@pasteur.example', '+33145688000', 'Génomique'],
  ['Clinique des Lilas', 'Inès', 'Petit', 'direction@lilas.example', '+33143622200', null],
  ['Laboratoire Biomnis', 'Paul', 'Roux', 'commandes@biomnis.example', null, 'Immunologie'],
  ['Université Paris Cité — UFR', 'Léa', 'Fournier', null, null, 'Recherche'],
] as const;

/**
 * The demo office: organisation "Laboratoire Cochin" (code LAB) with its staff and manager, a default template,
 * five clients, three projects and quotes in every state (some due around today, so notifications have work).
 * Does nothing when the organisation exists.
 */
export async function seedOfficeDemo(ctx: ModuleContext): Promise<void> {
  const exists = await ctx.db.selectFrom('operations.organization').select('id').where('code', '=', 'LAB').executeTakeFirst();
  if (exists) return;
  const hashes = Object.fromEntries(await Promise.all(Object.entries(OFFICE_DEMO_ACCOUNTS).map(async ([k, a]) => [k, await hashPassword(a.password)])));
  await ctx.db.transaction().execute(async (tx) => {
    const users: Record<string, string> = {};
    for (const [key, a] of Object.entries(OFFICE_DEMO_ACCOUNTS)) {
      const existing = await tx.selectFrom('platform.users').select('id').where('email', '=', a.email).executeTakeFirst();
      users[key] = existing?.id ?? (await tx.insertInto('platform.users').values({ email: a.email, password_hash: hashes[key]!, display_name: a.displayName, time_zone: 'Europe/Paris', locale: 'fr' }).returning('id').executeTakeFirstOrThrow()).id;
      await tx.insertInto('platform.user_roles').values({ user_id: users[key]!, role: a.role, granted_by: null }).onConflict((oc) => oc.doNothing()).execute();
    }
    const org = await tx.insertInto('operations.organization').values({
      name: 'Laboratoire Cochin', legal_name: 'Laboratoire Cochin SAS', code: 'LAB', vat_number: 'FR40123456789',
      address: JSON.stringify({ line1: '27 rue du Faubourg Saint-Jacques', postalCode: '75014', city: 'Paris', country: 'FR' }),
    }).returning(['id', 'timezone']).executeTakeFirstOrThrow();
    for (const userId of Object.values(users)) await tx.insertInto('operations.organization_member').values({ organization_id: org.id, user_id: userId }).execute();
    const admin = await tx.selectFrom('platform.users as u').innerJoin('platform.user_roles as r', 'r.user_id', 'u.id').select('u.id').where('r.role', '=', 'admin').orderBy('u.created_at').executeTakeFirst();
    if (admin) await tx.insertInto('operations.organization_member').values({ organization_id: org.id, user_id: admin.id }).onConflict((oc) => oc.doNothing()).execute();

    const template = await tx.insertInto('operations.quote_template').values({ organization_id: org.id, name: 'Devis standard', is_default: true }).returning('id').executeTakeFirstOrThrow();
    const body = { ...DEFAULT_TEMPLATE_BODY, numberPattern: '{ORG}-{YY}{MM}-{SEQ:3}' };
    const v1 = await tx.insertInto('operations.quote_template_version').values({ template_id: template.id, version: 1, body: JSON.stringify(DEFAULT_TEMPLATE_BODY), created_by: users.manager! }).returning('id').executeTakeFirstOrThrow();
    const v2 = await tx.insertInto('operations.quote_template_version').values({ template_id: template.id, version: 2, body: JSON.stringify(body), created_by: users.manager! }).returning('id').executeTakeFirstOrThrow();
    void v1;
    await tx.updateTable('operations.quote_template').set({ current_version_id: v2.id }).where('id', '=', template.id).execute();

    const clients: string[] = [];
    for (const [name, first, last, email, phone, team] of CLIENTS) {
      clients.push((await tx.insertInto('operations.client').values({ organization_id: org.id, name, contact_first_name: first, contact_last_name: last, email, phone, team }).returning('id').executeTakeFirstOrThrow()).id);
    }
    const projects: string[] = [];
    for (const [number, name, client, status] of [['P-2025-01', 'Séquençage cohorte A', 0, 'active'], ['P-2025-02', 'Dosages immunologiques', 3, 'active'], ['P-2025-03', 'Étude pilote', 1, 'planned']] as const) {
      projects.push((await tx.insertInto('operations.project').values({ organization_id: org.id, number, name, client_id: clients[client]!, status, team: 'Plateforme' }).returning('id').executeTakeFirstOrThrow()).id);
    }

    const today = dateInZone(new Date(), org.timezone);
    const quotes: [string, number, number | null, 'draft' | 'issued' | 'accepted' | 'rejected' | 'paid' | 'cancelled', number, [string, string, string][]][] = [
      ['Analyses lot 12', 0, 0, 'draft', 5, [['Analyse', '5', '250.00']]],
      ['Séquençage 96 échantillons', 1, 2, 'issued', 0, [['Séquençage', '96', '38.50'], ['Préparation des librairies', '1', '420.00']]],
      ['Panel immunologique', 3, 1, 'issued', -28, [['Panel 12 marqueurs', '40', '61.25']]],
      ['Contrôle qualité trimestriel', 2, null, 'accepted', -31, [['Contrôle qualité', '3', '480.00']]],
      ['Formation des techniciens', 4, null, 'accepted', -40, [['Journée de formation', '2', '950.00']]],
      ['Analyses de routine mai', 0, 0, 'paid', -75, [['Analyse', '20', '95.00']]],
      ['Étude de stabilité', 1, 2, 'rejected', -20, [['Étude de stabilité', '1', '3200.00']]],
      ['Dosages complémentaires', 3, 1, 'cancelled', -10, [['Dosage', '12', '45.00']]],
      ['Audit de la plateforme', 4, null, 'draft', 12, [['Audit', '1', '1800.00']]],
    ];
    let n = 0;
    for (const [title, client, project, status, startOffset, lines] of quotes) {
      n++;
      const start = addDays(today, startOffset);
      const amount = sumLines(lines.map(([, quantity, unitPrice]) => ({ quantity, unitPrice })));
      const issued = status !== 'draft';
      const at = new Date(Date.now() - (10 - n) * 3_600_000);
      const number = issued ? await takeNextNumber(tx, org.id, body.numberPattern, { isoDate: today, orgCode: 'LAB' }) : null;
      const q = await tx.insertInto('operations.quote').values({
        organization_id: org.id, client_id: clients[client]!, project_id: project === null ? null : projects[project]!, title, amount, currency: 'EUR',
        responsible_user_id: n % 3 === 0 ? users.manager! : users.staff!, start_date: start, due_date: addDays(start, 30), status, number,
        template_version_id: v2.id, created_by: users.staff!,
        issued_at: issued ? at : null, accepted_at: ['accepted', 'paid'].includes(status) ? at : null, paid_at: status === 'paid' ? at : null,
        rejected_at: status === 'rejected' ? at : null, cancelled_at: status === 'cancelled' ? at : null,
        cancel_reason: status === 'cancelled' ? 'Demande retirée par le client' : null,
      }).returning('id').executeTakeFirstOrThrow();
      await tx.insertInto('operations.quote_line').values(lines.map(([description, quantity, unit_price], i) => ({ quote_id: q.id, position: i + 1, description, quantity, unit_price }))).execute();
    }
  });
}
