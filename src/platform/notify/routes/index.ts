import type { App } from '../../types.js';
import type { Notifications } from '../service.js';
import inboxRoutes from './inbox.js';
import preferenceRoutes from './preferences.js';
import deviceRoutes from './devices.js';
import twilioStatusRoutes from './twilio-status.js';
import outboxRoutes from './outbox.js';

export default function notifyRoutes(notify: Notifications) {
  return async (app: App) => {
    await app.register(inboxRoutes);
    await app.register(preferenceRoutes(notify.templates));
    await app.register(deviceRoutes);
    await app.register(twilioStatusRoutes(notify.deliverer));
    await app.register(outboxRoutes);
  };
}
