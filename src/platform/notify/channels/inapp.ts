import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/pool.js';
import type { RealtimeService } from '../../realtime/types.js';
import { addToInbox } from '../inbox.js';
import type { Channel, Delivery } from './types.js';

/** The user's inbox in Atrium, announced live on `user:<id>`. */
export class InAppChannel implements Channel {
  readonly name = 'inapp' as const;
  readonly configured = true;

  constructor(private readonly db: Db, private readonly realtime: () => RealtimeService | undefined, private readonly log: FastifyBaseLogger) {}

  async deliver(delivery: Delivery) {
    const row = await addToInbox(this.db, this.realtime(), this.log, {
      userId: delivery.userId!, messageId: delivery.messageId, category: delivery.category, template: delivery.template,
      message: delivery.message, data: delivery.data, critical: delivery.critical,
    });
    return { status: 'delivered' as const, providerId: row?.id ?? null };
  }
}
