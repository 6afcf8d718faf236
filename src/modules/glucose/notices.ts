import type { ModuleContext } from '../../platform/types.js';

/**
 * The messages this part of the module sends (§2, §4.2.6). Alert messages belong to the alerts capability and
 * its own categories; these are the quieter notices about devices and settings.
 */
export function defineNotices(ctx: ModuleContext) {
  ctx.notify.defineCategory({ name: 'glucose.devices', description: 'Your glucose devices and uploaders (battery, connection)', defaultChannels: ['inapp', 'push'] });
  ctx.notify.defineCategory({ name: 'glucose.care', description: 'Changes your care team makes to your settings', defaultChannels: ['inapp'] });
  ctx.notify.defineTemplate<{ percent: number; device: string | null }>({
    name: 'glucose.uploader_battery_low',
    category: 'glucose.devices',
    en: (d) => ({ title: `Uploader battery at ${d.percent} %`, body: `Charge ${d.device ?? 'the phone that uploads your readings'} so readings keep arriving.` }),
    fr: (d) => ({ title: `Batterie de l'émetteur à ${d.percent} %`, body: `Rechargez ${d.device ?? 'le téléphone qui envoie vos mesures'} pour que les mesures continuent d'arriver.` }),
  });
  ctx.notify.defineTemplate<{ area: string; by: string }>({
    name: 'glucose.settings_changed',
    category: 'glucose.care',
    en: (d) => ({ title: 'Your settings were changed', body: `${d.by} changed your ${d.area} settings.` }),
    fr: (d) => ({ title: 'Vos réglages ont été modifiés', body: `${d.by} a modifié vos réglages (${d.area === 'therapy' ? 'traitement' : d.area}).` }),
  });
}

/** The patient's local calendar day, for once-a-day dedup keys. */
export function localDay(zone: string, atMs = Date.now()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(atMs));
}
