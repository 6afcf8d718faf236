import { Type } from 'typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const DateTime = Type.String({ format: 'date-time' });

export const QueueName = Type.String({ pattern: '^[\\w.\\-/]{1,100}$', description: 'Queue name, e.g. notify.deliver' });
export const QueueParams = Type.Object({ name: QueueName });
export const JobParams = Type.Object({ name: QueueName, id: Type.String({ format: 'uuid' }) });
export const ScheduleParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 200 }) });

export const JobStateSchema = Type.Union([
  Type.Literal('created'), Type.Literal('retry'), Type.Literal('active'), Type.Literal('completed'), Type.Literal('cancelled'), Type.Literal('failed'),
]);

export const QueueSummary = Type.Object({
  name: Type.String(),
  module: Type.String(),
  policy: Type.String(),
  deadLetter: Nullable(Type.String()),
  paused: Type.Boolean(),
  counts: Type.Object({
    queued: Type.Integer(), deferred: Type.Integer(), ready: Type.Integer(), active: Type.Integer(), failed: Type.Integer(), total: Type.Integer(),
  }),
  oldestReadyAgeSeconds: Nullable(Type.Number()),
  completedLastHour: Type.Integer(),
  failedLastHour: Type.Integer(),
}, { $id: 'JobQueue' });

export const JobSummary = Type.Object({
  id: Type.String({ format: 'uuid' }),
  state: JobStateSchema,
  priority: Type.Integer(),
  retryCount: Type.Integer(),
  retryLimit: Type.Integer(),
  createdOn: DateTime,
  startedOn: Nullable(DateTime),
  completedOn: Nullable(DateTime),
  singletonKey: Nullable(Type.String()),
}, { $id: 'JobSummary' });

export const OperationRun = Type.Object({
  id: Type.String({ format: 'uuid' }),
  kind: Type.String(),
  attempt: Type.Integer(),
  trigger: Type.String(),
  status: Type.String(),
  scheduleKey: Nullable(Type.String()),
  scheduledFor: Nullable(DateTime),
  startedAt: DateTime,
  finishedAt: Nullable(DateTime),
  heartbeatAt: Nullable(DateTime),
  durationMs: Nullable(Type.Integer()),
  summary: Type.Unknown(),
  error: Type.Unknown(),
  actorUserId: Nullable(Type.String()),
}, { $id: 'OperationRun' });

export const JobDetail = Type.Object({
  id: Type.String({ format: 'uuid' }),
  queue: Type.String(),
  state: JobStateSchema,
  priority: Type.Integer(),
  retryCount: Type.Integer(),
  retryLimit: Type.Integer(),
  retryDelay: Type.Integer(),
  retryBackoff: Type.Boolean(),
  expireInSeconds: Type.Number(),
  createdOn: DateTime,
  startAfter: DateTime,
  startedOn: Nullable(DateTime),
  completedOn: Nullable(DateTime),
  singletonKey: Nullable(Type.String()),
  deadLetter: Nullable(Type.String()),
  sourceQueue: Nullable(Type.String()),
  sourceJobId: Nullable(Type.String()),
  data: Type.Unknown({ description: 'Payload; values of keys matching secret|password|token|url are replaced by "***"' }),
  output: Type.Unknown({ description: 'The handler result, or for a failed job the error {code, message, stack}' }),
  runs: Type.Array(Type.Ref('OperationRun')),
}, { $id: 'JobDetail' });

export const JobFailure = Type.Object({
  id: Type.String({ format: 'uuid' }),
  queue: Type.String(),
  sourceJobId: Type.String({ format: 'uuid' }),
  deadLetterJobId: Type.String({ format: 'uuid' }),
  retryCount: Type.Integer(),
  retryLimit: Nullable(Type.Integer()),
  errorMessage: Nullable(Type.String()),
  errorStack: Nullable(Type.String()),
  data: Type.Unknown(),
  failedAt: DateTime,
  redrivenAt: Nullable(DateTime),
  redrivenBy: Nullable(Type.String()),
}, { $id: 'JobFailure' });

export const DeadLetterJob = Type.Object({
  id: Type.String({ format: 'uuid' }),
  sourceQueue: Nullable(Type.String()),
  sourceJobId: Nullable(Type.String()),
  retryCount: Nullable(Type.Integer()),
  deadLetteredOn: DateTime,
  ageSeconds: Type.Number({ description: 'Since the source job was created' }),
  errorMessage: Nullable(Type.String()),
}, { $id: 'DeadLetterJob' });

export const Schedule = Type.Object({
  key: Type.String(),
  module: Type.String(),
  queue: Type.String(),
  cron: Type.String(),
  timezone: Type.String(),
  enabled: Type.Boolean(),
  nextRunAt: Nullable(DateTime),
  previousFireAt: Nullable(DateTime),
  lastRun: Nullable(Type.Object({ status: Type.String(), startedAt: DateTime, durationMs: Nullable(Type.Integer()) })),
  missed7d: Type.Integer(),
  catchUp: Type.Union([Type.Literal('none'), Type.Literal('run_once')]),
  graceMinutes: Nullable(Type.Integer()),
  description: Nullable(Type.String()),
  managed: Type.Boolean({ description: 'false for pg-boss schedules not declared through the registry (no missed-run detection)' }),
  warning: Type.Optional(Type.String()),
}, { $id: 'Schedule' });

export const SchedulePatch = Type.Object({
  cron: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  enabled: Type.Optional(Type.Boolean()),
  catchUp: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('run_once')])),
  graceMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 1440 })),
  acceptDstShift: Type.Optional(Type.Boolean()),
}, { additionalProperties: false, minProperties: 1 });

export const Reason = Type.Optional(Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }));

export const JOB_SCHEMAS = [QueueSummary, JobSummary, OperationRun, JobDetail, JobFailure, DeadLetterJob, Schedule];
