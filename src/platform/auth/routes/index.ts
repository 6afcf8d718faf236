import type { App } from '../../types.js';
import registerRoute from './register.js';
import loginRoutes from './login.js';
import sessionRoutes from './session.js';
import passwordRoutes from './password.js';
import totpRoutes from './totp.js';
import meRoutes from './me.js';
import userAdminRoutes from './users.js';

export default async function authRoutes(app: App) {
  for (const routes of [registerRoute, loginRoutes, sessionRoutes, passwordRoutes, totpRoutes, meRoutes, userAdminRoutes]) {
    await routes(app);
  }
}
