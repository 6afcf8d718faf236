import type { Db } from '../db/pool.js';
import type { PlatformEvents } from '../events.js';
import type { UserDto } from './schemas.js';
import { loadUserDto } from './users.js';

/**
 * `GET /api/v1/me` is the most frequent call of every client. Profiles are cached for a short TTL;
 * this process drops an entry as soon as it changes the user (events), other processes within the TTL.
 */
export class ProfileCache {
  private readonly entries = new Map<string, { user: UserDto; loadedAt: number }>();

  constructor(private readonly db: Db, events: PlatformEvents, private readonly ttlMs = 2_000, private readonly maxEntries = 50_000) {
    const drop = ({ userId }: { userId: string }) => this.entries.delete(userId);
    events.on('user.changed', drop);
    events.on('user.roles_changed', drop);
  }

  async get(userId: string): Promise<UserDto | undefined> {
    const hit = this.entries.get(userId);
    if (hit && Date.now() - hit.loadedAt < this.ttlMs) return hit.user;
    const user = await loadUserDto(this.db, userId);
    if (!user) {
      this.entries.delete(userId);
      return undefined;
    }
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(userId, { user, loadedAt: Date.now() });
    return user;
  }
}
