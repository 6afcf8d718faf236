import { createHash } from 'node:crypto';
import type { JobDefinition, JobSchedule } from './types.js';
import { CronError, DstAmbiguityError, validateSchedule } from './cron.js';

export const DEAD_LETTER_QUEUE = 'platform.dead-letter';
export const DEFAULT_TIMEZONE = 'Europe/Paris';

export const RUN_KINDS = ['backup', 'restore', 'restore_verify', 'retention', 'checksum_verify', 'storage_reconcile', 'cleanup_temp',
  'cleanup_logs', 'runs_reconcile', 'quote_notify', 'notification_reconcile', 'export', 'key_rewrap', 'module_job'] as const;

/** §6.1 defaults for every registered queue. */
export const QUEUE_DEFAULTS = {
  retryLimit: 5,
  retryDelay: 30,
  retryDelayMax: 3600,
  expireInSeconds: 900,
  heartbeatSeconds: 60,
  retentionSeconds: 30 * 24 * 3600,
  batchSize: 5,
  concurrency: 1,
} as const;

const QUEUE_NAME = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+$/;

export interface ScheduleDeclaration {
  key: string;
  module: string;
  queue: string;
  cron: string;
  timezone: string;
  data: Record<string, unknown>;
  catchUp: 'none' | 'run_once';
  graceMinutes: number;
  acceptDstShift: boolean;
  description: string | null;
  /** Hash of what the code declares; a change means the code default itself changed. */
  defaultsHash: string;
}

export interface QueueDeclaration {
  definition: JobDefinition<any>;
  queue: string;
  module: string;
  policy: 'standard' | 'singleton' | 'stately' | 'short';
  retryLimit: number;
  retryDelay: number;
  retryDelayMax: number;
  expireInSeconds: number;
  heartbeatSeconds: number;
  batchSize: number;
  concurrency: number;
  kind: string;
  tracked: boolean;
  critical: boolean;
  schedules: ScheduleDeclaration[];
}

export class DefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DefinitionError';
  }
}

/** `notify.deliver` belongs to `notify`. */
export const moduleOf = (queue: string) => queue.slice(0, queue.indexOf('.'));

/** pg-boss keys allow `[\w.\-/]` only: other characters are replaced, with a hash so two keys never meet. */
export function bossScheduleKey(key: string): string {
  if (/^[\w.\-/]+$/.test(key)) return key;
  return `${key.replace(/[^\w.\-/]/g, '_')}-${createHash('sha256').update(key).digest('hex').slice(0, 10)}`;
}

const integer = (value: number | undefined, fallback: number, min: number, name: string, queue: string) => {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min) throw new DefinitionError(`Queue ${queue}: ${name} must be an integer ≥ ${min} (got ${value}).`);
  return v;
};

function normalizeSchedule(queue: string, module: string, schedule: JobSchedule): ScheduleDeclaration {
  const key = schedule.key ?? queue;
  const declared = {
    queue,
    cron: schedule.cron.trim().replace(/\s+/g, ' '),
    timezone: schedule.timezone ?? DEFAULT_TIMEZONE,
    data: schedule.data ?? {},
    catchUp: schedule.catchUp ?? 'run_once',
    graceMinutes: schedule.graceMinutes ?? 10,
    acceptDstShift: schedule.acceptDstShift ?? false,
  };
  if (!Number.isInteger(declared.graceMinutes) || declared.graceMinutes < 0 || declared.graceMinutes > 1440) {
    throw new DefinitionError(`Schedule ${key}: graceMinutes must be an integer between 0 and 1440.`);
  }
  if (Object.keys(declared.data).some((k) => k.startsWith('__'))) throw new DefinitionError(`Schedule ${key}: data keys starting with "__" are reserved.`);
  try {
    validateSchedule(declared);
  } catch (err) {
    if (err instanceof CronError || err instanceof DstAmbiguityError) throw new DefinitionError(`Schedule ${key}: ${err.message}`);
    throw err;
  }
  const defaultsHash = createHash('sha256').update(JSON.stringify(declared)).digest('hex');
  return { key, module, ...declared, description: schedule.description ?? null, defaultsHash };
}

/** Checks a declaration and fills in the §6.1 defaults; throws DefinitionError naming what is wrong. */
export function normalizeDefinition(definition: JobDefinition<any>): QueueDeclaration {
  const { queue } = definition;
  if (!QUEUE_NAME.test(queue) || queue.length > 100) {
    throw new DefinitionError(`Queue name "${queue}" must be <module>.<name> in lower case (letters, digits, _ and -).`);
  }
  if (typeof definition.handler !== 'function') throw new DefinitionError(`Queue ${queue}: a handler is required.`);
  const kind = definition.kind ?? 'module_job';
  if (!(RUN_KINDS as readonly string[]).includes(kind)) throw new DefinitionError(`Queue ${queue}: kind must be one of ${RUN_KINDS.join(', ')}.`);
  const heartbeatSeconds = integer(definition.heartbeatSeconds, QUEUE_DEFAULTS.heartbeatSeconds, 10, 'heartbeatSeconds', queue);
  const module = moduleOf(queue);
  const schedules = (definition.schedules ?? []).map((s) => normalizeSchedule(queue, module, s));
  const keys = new Set<string>();
  for (const s of schedules) {
    if (keys.has(s.key)) throw new DefinitionError(`Queue ${queue}: two schedules share the key ${s.key}; give each a key.`);
    keys.add(s.key);
  }
  return {
    definition,
    queue,
    module,
    policy: definition.policy ?? 'standard',
    retryLimit: integer(definition.retryLimit, QUEUE_DEFAULTS.retryLimit, 0, 'retryLimit', queue),
    retryDelay: integer(definition.retryDelay, QUEUE_DEFAULTS.retryDelay, 0, 'retryDelay', queue),
    retryDelayMax: integer(definition.retryDelayMax, QUEUE_DEFAULTS.retryDelayMax, 1, 'retryDelayMax', queue),
    expireInSeconds: integer(definition.expireInSeconds, QUEUE_DEFAULTS.expireInSeconds, 1, 'expireInSeconds', queue),
    heartbeatSeconds,
    batchSize: integer(definition.batchSize, QUEUE_DEFAULTS.batchSize, 1, 'batchSize', queue),
    concurrency: integer(definition.concurrency, QUEUE_DEFAULTS.concurrency, 1, 'concurrency', queue),
    kind,
    tracked: definition.tracked ?? true,
    critical: definition.critical ?? false,
    schedules,
  };
}
