import type { AuthUser } from '../types.js';
import { isTopicPrefix, parseTopic, type ErrorCode } from './protocol.js';
import type { TopicDefinition } from './types.js';

/** The platform's own topics; modules add theirs through `topics` in their definition. */
export const PLATFORM_TOPICS: TopicDefinition[] = [
  {
    prefix: 'user',
    description: 'user:<userId> — that user only: their inbox and personal events.',
    authorize: (user, key) => key === user.id,
  },
  {
    prefix: 'jobs',
    description: 'jobs — job monitor live updates, for admins and managers.',
    authorize: (user, key) => key === '' && user.roles.some((r) => r === 'admin' || r === 'manager'),
  },
];

export type Verdict = { ok: true } | { ok: false; code: ErrorCode; message: string; cause?: unknown };

export class TopicRegistry {
  private readonly definitions = new Map<string, TopicDefinition>();

  define(definition: TopicDefinition): void {
    if (!isTopicPrefix(definition.prefix)) throw new Error(`Topic prefix "${definition.prefix}" must match [a-z][a-z0-9_.-]* (e.g. glucose.readings).`);
    if (this.definitions.has(definition.prefix)) throw new Error(`Topic prefix "${definition.prefix}" is declared twice.`);
    this.definitions.set(definition.prefix, definition);
  }

  /** For publishers: a topic nobody declared is a programming error, raised where it is made. */
  assertPublishable(topic: string): void {
    const parsed = parseTopic(topic);
    if (!parsed) throw new Error(`Invalid topic "${topic}": use <prefix> or <prefix>:<key>.`);
    if (!this.definitions.has(parsed.prefix)) throw new Error(`No topic "${parsed.prefix}" is declared (publishing to "${topic}").`);
  }

  /** Whether this user may receive the topic's events now; a throwing authorize counts as a refusal. */
  async authorize(user: AuthUser, topic: string): Promise<Verdict> {
    const parsed = parseTopic(topic);
    if (!parsed) return { ok: false, code: 'invalid_topic', message: 'A topic is <prefix> or <prefix>:<key> (letters, digits, . _ - : @).' };
    const definition = this.definitions.get(parsed.prefix);
    if (!definition) return { ok: false, code: 'unknown_topic', message: `There is no topic "${parsed.prefix}".` };
    try {
      if (await definition.authorize(user, parsed.key)) return { ok: true };
    } catch (cause) {
      return { ok: false, code: 'internal_error', message: 'The subscription could not be checked; try again.', cause };
    }
    return { ok: false, code: 'forbidden_topic', message: 'You may not subscribe to this topic.' };
  }

  list(): TopicDefinition[] {
    return [...this.definitions.values()];
  }
}
