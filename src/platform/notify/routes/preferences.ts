import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App } from '../../types.js';
import type { Db } from '../../db/pool.js';
import { problemResponses } from '../../http/problem.js';
import { unprocessable } from '../../http/errors.js';
import { actorOf, recordAudit } from '../../audit/writer.js';
import { authenticatedUser } from '../../auth/guards.js';
import type { TemplateRegistry } from '../templates.js';
import { UserChannelSchema } from './schemas.js';

const CategoryPreference = Type.Object({
  category: Type.String(),
  description: Type.String(),
  defaultChannels: Type.Array(UserChannelSchema),
  channels: Type.Array(UserChannelSchema, { description: 'The channels used for this category: your choice, else the default' }),
  customized: Type.Boolean(),
});
const Preferences = Type.Object({
  categories: Type.Array(CategoryPreference),
  quietHoursNote: Type.String(),
});

const QUIET_NOTE = 'Quiet hours are set in your profile (PATCH /api/v1/me, quietHours). During them, messages that are not critical '
  + 'reach your inbox at once and other channels at the end of the quiet period; critical messages are never held back.';

async function preferencesOf(db: Db, templates: TemplateRegistry, userId: string) {
  const rows = await db.selectFrom('platform.notification_preferences').select(['category', 'channels']).where('user_id', '=', userId).execute();
  const chosen = new Map(rows.map((r) => [r.category, r.channels]));
  return {
    categories: templates.allCategories().map((c) => ({
      category: c.name, description: c.description, defaultChannels: c.defaultChannels,
      channels: (chosen.get(c.name) ?? c.defaultChannels) as typeof c.defaultChannels, customized: chosen.has(c.name),
    })),
    quietHoursNote: QUIET_NOTE,
  };
}

/** Which channels each category of message uses for me. */
export default function preferenceRoutes(templates: TemplateRegistry) {
  return async (app: App) => {
    const { db } = app.platform;

    app.get('/api/v1/me/notification-preferences', {
      schema: { tags: ['me'], summary: 'My notification channels per category', response: { 200: Preferences, ...problemResponses(401) } },
      preHandler: app.requireAuth,
    }, async (req) => preferencesOf(db, templates, authenticatedUser(req).id));

    app.put('/api/v1/me/notification-preferences', {
      schema: {
        tags: ['me'], summary: 'Choose the channels of some categories (null: back to the default)',
        body: Type.Object({
          categories: Type.Array(Type.Object({
            category: Type.String({ maxLength: 63 }),
            channels: Type.Union([Type.Array(UserChannelSchema, { uniqueItems: true, maxItems: 5 }), Type.Null()]),
          }, { additionalProperties: false }), { minItems: 1, maxItems: 50 }),
        }, { additionalProperties: false }),
        response: { 200: Preferences, ...problemResponses(400, 401, 422) },
      },
      preHandler: app.requireAuth,
    }, async (req) => {
      const me = authenticatedUser(req);
      const known = new Set(templates.allCategories().map((c) => c.name));
      const problems = req.body.categories.flatMap((c, i) => (known.has(c.category) ? [] : [{ path: `body.categories.${i}.category`, message: `is not a category (${[...known].join(', ')})` }]));
      if (problems.length) throw unprocessable('unknown_category', 'Some categories do not exist; see errors.', problems);
      await db.transaction().execute(async (tx) => {
        for (const { category, channels } of req.body.categories) {
          if (channels === null) {
            await tx.deleteFrom('platform.notification_preferences').where('user_id', '=', me.id).where('category', '=', category).execute();
          } else {
            await tx.insertInto('platform.notification_preferences').values({ user_id: me.id, category, channels })
              .onConflict((oc) => oc.columns(['user_id', 'category']).doUpdateSet({ channels, updated_at: sql`now()` })).execute();
          }
        }
        await recordAudit(tx, actorOf(req), { action: 'notify.preferences_updated', entity: 'user', entityId: me.id, diff: { categories: req.body.categories } });
      });
      return preferencesOf(db, templates, me.id);
    });
  };
}
