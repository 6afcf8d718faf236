import { useMemo } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api, type ApiBody } from '../../api/client';
import { useAuth, type Me } from '../auth/auth';
import { useI18n, useT } from '../i18n';
import { useForm } from '../forms/use-form';
import { bodySchema, checkValue, type JsonSchema } from '../forms/rules';
import { Button } from '../ui/Button';
import { Checkbox, SelectField, TextField } from '../ui/Field';
import { ProblemAlert } from '../ui/feedback';
import { Card, FormActions, PageHeader } from '../ui/layout';
import { PageLoading } from '../layout/status-pages';
import { useToast } from '../ui/toast';

export default function Preferences() {
  const t = useT();
  const { me } = useAuth();
  return (
    <>
      <PageHeader title={t('preferences.title')} description={t('preferences.description')} />
      {me ? <PreferencesForm me={me} key={me.id} /> : <PageLoading />}
    </>
  );
}

const MGDL_PER_MMOL = 18.016;
const toMmol = (mgdl: number) => (mgdl / MGDL_PER_MMOL).toFixed(1);

// The shape of quietHours.start/end in the API's own schema.
const quietSchema = (): Record<string, JsonSchema> => {
  const q = bodySchema('PATCH /api/v1/me').properties?.quietHours;
  return (q?.anyOf?.find((b) => b.type === 'object') ?? q)?.properties ?? {};
};

function timeZones(): string[] {
  const supported = (Intl as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  return supported.length ? supported : ['UTC', 'Europe/Paris', 'Europe/London', 'America/New_York'];
}

function PreferencesForm({ me }: { me: Me }) {
  const t = useT();
  const { setLocale, locale } = useI18n();
  const toast = useToast();
  const queryClient = useQueryClient();
  const zones = useMemo(() => {
    const all = timeZones();
    return all.includes(me.timeZone) ? all : [me.timeZone, ...all];
  }, [me.timeZone]);
  const quiet = useMemo(quietSchema, []);
  const initial = {
    locale: me.locale as string,
    timeZone: me.timeZone,
    glucoseUnit: me.glucoseUnit as string,
    lowThresholdMgdl: me.lowThresholdMgdl as number | undefined,
    highThresholdMgdl: me.highThresholdMgdl as number | undefined,
    quietStart: me.quietHours?.start ?? '22:00',
    quietEnd: me.quietHours?.end ?? '07:00',
    quietOn: me.quietHours !== null,
    allowCritical: me.quietHours?.allowCritical ?? true,
  };
  const form = useForm({
    operation: 'PATCH /api/v1/me',
    initial,
    extra: (v) => ({
      highThresholdMgdl: v.lowThresholdMgdl !== undefined && v.highThresholdMgdl !== undefined && v.lowThresholdMgdl >= v.highThresholdMgdl
        ? { key: 'validation.highAboveLow' } : null,
      quietStart: v.quietOn ? checkValue(quiet.start, v.quietStart, true) : null,
      quietEnd: v.quietOn ? checkValue(quiet.end, v.quietEnd, true) : null,
    }),
    onSubmit: async (v) => {
      const body: ApiBody<'/api/v1/me', 'patch'> = {
        locale: v.locale as Me['locale'],
        timeZone: v.timeZone,
        glucoseUnit: v.glucoseUnit as Me['glucoseUnit'],
        lowThresholdMgdl: v.lowThresholdMgdl,
        highThresholdMgdl: v.highThresholdMgdl,
        quietHours: v.quietOn ? { start: v.quietStart, end: v.quietEnd, allowCritical: v.allowCritical } : null,
      };
      const updated = await api.patch('/api/v1/me', { body });
      queryClient.setQueryData(['me'], updated);
      if (updated.locale !== locale) await setLocale(updated.locale);
      toast(t('common.saved'));
    },
  });
  const { quietOn, allowCritical } = form.values;

  return (
    <form onSubmit={form.handleSubmit} noValidate className="stack">
      <Card title={t('preferences.regional')} description={t('preferences.regionalHint')}>
        <div className="grid-2 tight">
          <SelectField label={t('field.language')} options={[{ value: 'en', label: 'English' }, { value: 'fr', label: 'Français' }]} {...form.field('locale')} />
          <div>
            <SelectField label={t('field.timeZone')} options={zones.map((z) => ({ value: z, label: z.replace(/_/g, ' ') }))} {...form.field('timeZone')} />
            <button type="button" className="link-btn small" onClick={() => form.set('timeZone', Intl.DateTimeFormat().resolvedOptions().timeZone)}>
              {t('preferences.useDeviceZone', { zone: Intl.DateTimeFormat().resolvedOptions().timeZone })}
            </button>
          </div>
        </div>
      </Card>
      <Card title={t('preferences.glucose')} description={t('preferences.glucoseHint')}>
        <fieldset className="fieldset">
          <legend>{t('field.glucoseUnit')}</legend>
          <div className="segmented large" role="radiogroup">
            {(['mg/dL', 'mmol/L'] as const).map((unit) => (
              <button key={unit} type="button" role="radio" aria-checked={form.values.glucoseUnit === unit}
                className={form.values.glucoseUnit === unit ? 'active' : ''} onClick={() => form.set('glucoseUnit', unit)}>{unit}</button>
            ))}
          </div>
        </fieldset>
        <div className="grid-2 tight">
          <TextField label={t('field.lowThreshold')} type="number" inputMode="numeric" step={1}
            hint={form.values.lowThresholdMgdl ? t('preferences.inMmol', { value: toMmol(form.values.lowThresholdMgdl) }) : undefined}
            {...form.field('lowThresholdMgdl', { number: true })} />
          <TextField label={t('field.highThreshold')} type="number" inputMode="numeric" step={1}
            hint={form.values.highThresholdMgdl ? t('preferences.inMmol', { value: toMmol(form.values.highThresholdMgdl) }) : undefined}
            {...form.field('highThresholdMgdl', { number: true })} />
        </div>
      </Card>
      <Card title={t('preferences.quietHours')} description={t('preferences.quietHoursHint')}>
        <Checkbox label={t('preferences.quietOn')} checked={quietOn} onChange={(c) => form.set('quietOn', c)} name="quietOn" />
        {quietOn ? (
          <>
            <div className="grid-2 tight">
              <TextField label={t('field.from')} type="time" {...form.field('quietStart')} />
              <TextField label={t('field.to')} type="time" {...form.field('quietEnd')} />
            </div>
            <Checkbox label={t('preferences.allowCritical')} hint={t('preferences.allowCriticalHint')} checked={allowCritical} onChange={(c) => form.set('allowCritical', c)} name="allowCritical" />
          </>
        ) : null}
      </Card>
      <ProblemAlert error={form.failure} fields={form.fields} />
      <FormActions>
        <Button type="submit" variant="primary" busy={form.submitting}>{t('preferences.save')}</Button>
      </FormActions>
    </form>
  );
}
