import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/pool.js';

/**
 * Keeps `operation_run.heartbeat_at` fresh for the attempts running in this process (one statement for
 * all of them), so the watchdog can tell a run whose process died from a long one.
 */
export class RunHeartbeat {
  private readonly running = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly db: Db, private readonly log: FastifyBaseLogger, private readonly intervalMs: number) {}

  add(ids: string[]): void {
    for (const id of ids) this.running.add(id);
  }

  remove(ids: string[]): void {
    for (const id of ids) this.running.delete(id);
  }

  start(): void {
    this.timer = setInterval(() => void this.beat(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async beat(): Promise<void> {
    if (!this.running.size) return;
    try {
      await this.db.updateTable('platform.operation_run').set({ heartbeat_at: new Date() })
        .where('id', 'in', [...this.running]).where('status', '=', 'running').execute();
    } catch (err) {
      this.log.warn({ err }, 'job run heartbeat failed');
    }
  }
}
