/**
 * GFS retention selection (spec operations.md §5.3): a pure function over the completed backups of one config.
 * Buckets are computed in the config's time zone; counts are of buckets that contain backups (restic's semantics).
 */
export interface RetentionCandidate {
  id: string;
  takenAt: Date;
  pinned?: boolean;
  restoreVerifyStatus?: 'never' | 'passed' | 'failed';
}

export interface RetentionPolicy {
  keepDaily: number;
  keepWeekly: number;
  keepMonthly: number;
  keepYearly: number;
  timezone: string;
}

export type KeepReason = 'daily' | 'weekly' | 'monthly' | 'yearly' | 'pinned' | 'newest' | 'newest_verified';

export interface RetentionPlan {
  keep: { backupId: string; reasons: KeepReason[] }[];
  delete: string[];
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();
function localDate(d: Date, tz: string): { y: number; m: number; day: number } {
  let f = partsFormatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' });
    partsFormatters.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(d).map((x) => [x.type, x.value]));
  return { y: Number(p.year), m: Number(p.month), day: Number(p.day) };
}

/** ISO-8601 week `YYYY-Www` of a calendar date (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeek(y: number, m: number, day: number): string {
  const date = new Date(Date.UTC(y, m - 1, day));
  const dow = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - dow);
  const year = date.getUTCFullYear();
  const week = Math.ceil(((date.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

export function bucket(rule: 'daily' | 'weekly' | 'monthly' | 'yearly', takenAt: Date, tz: string): string {
  const { y, m, day } = localDate(takenAt, tz);
  const mm = String(m).padStart(2, '0');
  switch (rule) {
    case 'daily': return `${y}-${mm}-${String(day).padStart(2, '0')}`;
    case 'weekly': return isoWeek(y, m, day);
    case 'monthly': return `${y}-${mm}`;
    case 'yearly': return String(y);
  }
}

export function selectRetention(backups: RetentionCandidate[], policy: RetentionPolicy): RetentionPlan {
  const sorted = [...backups].sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const keep = new Map<string, KeepReason[]>();
  const add = (id: string, reason: KeepReason) => {
    const reasons = keep.get(id) ?? [];
    if (!reasons.includes(reason)) reasons.push(reason);
    keep.set(id, reasons);
  };
  const rules: [Exclude<KeepReason, 'pinned' | 'newest' | 'newest_verified'>, number][] = [
    ['daily', policy.keepDaily], ['weekly', policy.keepWeekly], ['monthly', policy.keepMonthly], ['yearly', policy.keepYearly],
  ];
  for (const [rule, n] of rules) {
    const seen = new Set<string>();
    for (const b of sorted) {
      if (seen.size >= n) break;
      const k = bucket(rule, b.takenAt, policy.timezone);
      if (!seen.has(k)) {
        seen.add(k);
        add(b.id, rule);
      }
    }
  }
  for (const b of sorted) if (b.pinned) add(b.id, 'pinned');
  if (sorted.length) add(sorted[0].id, 'newest');
  const verified = sorted.find((b) => b.restoreVerifyStatus === 'passed');
  if (verified) add(verified.id, 'newest_verified');
  return {
    keep: sorted.filter((b) => keep.has(b.id)).map((b) => ({ backupId: b.id, reasons: keep.get(b.id)! })),
    delete: sorted.filter((b) => !keep.has(b.id)).map((b) => b.id),
  };
}
