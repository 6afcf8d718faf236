import { useT } from '../../platform/i18n';
import { Button } from '../../platform/ui/Button';
import { Checkbox, SelectField, TextField } from '../../platform/ui/Field';
import { Card } from '../../platform/ui/layout';

export const ESCALATABLE = ['urgent_low', 'low', 'urgent_high', 'high', 'predicted_low', 'stale_data'] as const;
const GROUPS = ['caregivers', 'clinicians', 'emergency_contacts'] as const;
const CHANNELS = ['inapp', 'push', 'email', 'sms', 'whatsapp'] as const;
const MAX_LEVELS = 5;

type Group = (typeof GROUPS)[number];
export interface EscalationLevel { level: number; recipients: Group | string[]; channels: string[] }
export interface EscalationPolicy { types: string[]; firstDelayMinutes: number; repeatEveryMinutes: number; maxLevels: number; levels: EscalationLevel[] }
/** The policy as edited: minutes kept as typed, so that a half-typed number is not lost. */
export interface EscalationDraft { types: string[]; firstDelayMinutes: string; repeatEveryMinutes: string; levels: EscalationLevel[] }

export const toDraft = (p: EscalationPolicy): EscalationDraft => ({
  types: p.types, firstDelayMinutes: String(p.firstDelayMinutes), repeatEveryMinutes: String(p.repeatEveryMinutes), levels: p.levels,
});

export const fromDraft = (d: EscalationDraft): EscalationPolicy => {
  const levels = d.levels.map((l, i) => ({ ...l, level: i + 1 }));
  return { types: d.types, firstDelayMinutes: Number(d.firstDelayMinutes), repeatEveryMinutes: Number(d.repeatEveryMinutes), maxLevels: levels.length, levels };
};

/** When each level goes out for an alert nobody acknowledges (spec glucose §4.3.6): first delay, then every repeat. */
const levelMinute = (d: EscalationDraft, index: number) => Number(d.firstDelayMinutes) + index * Number(d.repeatEveryMinutes);

/**
 * The escalation policy editor of alert settings: which alert types escalate, when, and who is told at each
 * level on which channels. Errors come from the server, keyed by field path (`escalation.levels.1.channels`).
 */
export function EscalationPolicyEditor({ value, onChange, errors }: { value: EscalationDraft; onChange: (next: EscalationDraft) => void; errors: Record<string, string> }) {
  const t = useT();
  const setLevel = (index: number, patch: Partial<EscalationLevel>) =>
    onChange({ ...value, levels: value.levels.map((l, i) => (i === index ? { ...l, ...patch } : l)) });
  const toggle = (list: string[], item: string, on: boolean) => (on ? [...new Set([...list, item])] : list.filter((x) => x !== item));
  const timesKnown = Number.isFinite(levelMinute(value, 0));

  return (
    <Card title={t('glucose.escalation.title')} description={t('glucose.escalation.lead')}>
      <fieldset className="g-fieldset">
        <legend>{t('glucose.escalation.types')}</legend>
        <div className="g-check-row">
          {ESCALATABLE.map((type) => (
            <Checkbox key={type} label={t(`glucose.alertType.${type}`)} checked={value.types.includes(type)}
              onChange={(on) => onChange({ ...value, types: toggle(value.types, type, on) })} />
          ))}
        </div>
        {errors['escalation.types'] ? <p className="field-error" role="alert">{errors['escalation.types']}</p> : null}
      </fieldset>
      <div className="grid-2 tight">
        <TextField name="escalation.firstDelayMinutes" label={t('glucose.escalation.firstDelay')} type="number" inputMode="numeric" min={1} max={30}
          value={value.firstDelayMinutes} onChange={(e) => onChange({ ...value, firstDelayMinutes: e.target.value })}
          hint={t('glucose.settings.minutesHint', { min: 1, max: 30 })} error={errors['escalation.firstDelayMinutes']} />
        <TextField name="escalation.repeatEveryMinutes" label={t('glucose.escalation.repeatEvery')} type="number" inputMode="numeric" min={1} max={30}
          value={value.repeatEveryMinutes} onChange={(e) => onChange({ ...value, repeatEveryMinutes: e.target.value })}
          hint={t('glucose.settings.minutesHint', { min: 1, max: 30 })} error={errors['escalation.repeatEveryMinutes']} />
      </div>
      <ol className="g-levels">
        {value.levels.map((level, i) => (
          <li key={i} className="g-level" data-testid={`escalation-level-${i + 1}`}>
            <div className="g-level-head">
              <strong>{t('glucose.escalation.level', { level: i + 1 })}</strong>
              {timesKnown ? <span className="muted">{t('glucose.escalation.after', { minutes: levelMinute(value, i) })}</span> : null}
              {value.levels.length > 1 ? (
                <Button variant="ghost" size="sm" onClick={() => onChange({ ...value, levels: value.levels.filter((_, j) => j !== i) })}>{t('glucose.escalation.remove')}</Button>
              ) : null}
            </div>
            {Array.isArray(level.recipients) ? (
              <p className="muted">{t('glucose.escalation.specificPeople', { count: level.recipients.length })}</p>
            ) : (
              <SelectField label={t('glucose.escalation.recipients')} value={level.recipients}
                onChange={(e) => setLevel(i, { recipients: e.target.value as Group })}
                options={GROUPS.map((g) => ({ value: g, label: t(`glucose.escalation.recipients.${g}`) }))} error={errors[`escalation.levels.${i}.recipients`]} />
            )}
            <div className="g-check-row" role="group" aria-label={t('glucose.escalation.channels')}>
              {CHANNELS.map((c) => (
                <Checkbox key={c} label={t(`channel.${c}`)} checked={level.channels.includes(c)} onChange={(on) => setLevel(i, { channels: toggle(level.channels, c, on) })} />
              ))}
            </div>
            {errors[`escalation.levels.${i}.channels`] ? <p className="field-error" role="alert">{errors[`escalation.levels.${i}.channels`]}</p> : null}
          </li>
        ))}
      </ol>
      {value.levels.length < MAX_LEVELS ? (
        <Button variant="secondary" size="sm"
          onClick={() => onChange({ ...value, levels: [...value.levels, { level: value.levels.length + 1, recipients: 'caregivers', channels: ['push', 'inapp'] }] })}>
          {t('glucose.escalation.add')}
        </Button>
      ) : null}
      {errors['escalation.maxLevels'] ? <p className="field-error" role="alert">{errors['escalation.maxLevels']}</p> : null}
    </Card>
  );
}
