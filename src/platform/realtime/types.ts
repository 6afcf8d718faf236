import type { FastifyRequest } from 'fastify';
import type { AuthUser } from '../types.js';

/**
 * A family of WebSocket topics, e.g. `glucose.readings:<patientId>`: `prefix` is the part before the colon.
 * `authorize` answers whether this user may subscribe to the topic with that key (the part after the colon);
 * false means an error frame, never data.
 */
export interface TopicDefinition {
  prefix: string;
  description?: string;
  authorize: (user: AuthUser, key: string) => Promise<boolean> | boolean;
}

/** The realtime service on `platform.realtime`. */
export interface RealtimeService {
  defineTopic(definition: TopicDefinition): void;
  /** Delivers to every subscriber of `topic` on every process (through the PostgreSQL bus). */
  publish(topic: string, type: string, data: unknown): Promise<void>;
}

export type { FastifyRequest };
