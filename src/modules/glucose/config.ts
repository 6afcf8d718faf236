/** GLUCOSE_RETENTION_MONTHS: how long readings and clinical records are kept (default ten years). */
export function retentionMonths(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.GLUCOSE_RETENTION_MONTHS;
  if (raw === undefined || raw === '') return 120;
  const months = Number(raw);
  if (!Number.isInteger(months) || months < 12 || months > 600) {
    throw new Error(`GLUCOSE_RETENTION_MONTHS=${JSON.stringify(raw)}: must be a whole number of months from 12 to 600.`);
  }
  return months;
}

/** The oldest instant a reading may have: older ones fall outside retention and are refused. */
export function retentionHorizonMs(now: number, months = retentionMonths()): number {
  const d = new Date(now);
  d.setUTCMonth(d.getUTCMonth() - months);
  return d.getTime();
}
