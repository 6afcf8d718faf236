import type { Tx } from '../../../platform/db/transaction.js';
import type { GlucoseServices } from '../services.js';
import type { ModuleContext } from '../../../platform/types.js';

type Notice = 'warmup_complete' | 'expiring_24h' | 'expiring_2h' | 'expired' | 'battery_low';

/** Sensor notices (§4.9), in the devices category the module already declares (in-app + push). */
export function defineSensorNotices(ctx: ModuleContext) {
  ctx.notify.defineTemplate<{ model: string }>({
    name: 'glucose.sensor_warmup_complete', category: 'glucose.devices',
    en: (d) => ({ title: 'Sensor ready', body: `Warm-up of your ${d.model} is complete: readings are live.` }),
    fr: (d) => ({ title: 'Capteur prêt', body: `Le préchauffage de votre ${d.model} est terminé : les mesures sont en direct.` }),
  });
  ctx.notify.defineTemplate<{ model: string; hours: number }>({
    name: 'glucose.sensor_expiring', category: 'glucose.devices',
    en: (d) => ({ title: `Sensor expires in ${d.hours} h`, body: `Have a new ${d.model} ready to avoid a gap in readings.` }),
    fr: (d) => ({ title: `Le capteur expire dans ${d.hours} h`, body: `Préparez un nouveau ${d.model} pour éviter une interruption des mesures.` }),
  });
  ctx.notify.defineTemplate<{ model: string }>({
    name: 'glucose.sensor_expired', category: 'glucose.devices',
    en: (d) => ({ title: 'Sensor expired', body: `Your ${d.model} has expired; start a new sensor on the Devices page.` }),
    fr: (d) => ({ title: 'Capteur expiré', body: `Votre ${d.model} a expiré ; démarrez un nouveau capteur depuis la page Appareils.` }),
  });
  ctx.notify.defineTemplate<{ model: string; percent: number }>({
    name: 'glucose.sensor_battery_low', category: 'glucose.devices',
    en: (d) => ({ title: `Sensor battery at ${d.percent} %`, body: `The transmitter of your ${d.model} is running low.` }),
    fr: (d) => ({ title: `Batterie du capteur à ${d.percent} %`, body: `L'émetteur de votre ${d.model} est presque déchargé.` }),
  });
}

/** One notice per sensor and milestone (battery: one at ≤ 20 % and one at ≤ 10 %), thanks to the dedup key. */
export async function notifySensor(svc: GlucoseServices, tx: Tx, sensor: { id: string; patient_id: string; model_name?: string; model: string }, notice: Notice, data: { percent?: number } = {}) {
  const model = sensor.model_name ?? sensor.model;
  const base = { to: { userId: sensor.patient_id } };
  switch (notice) {
    case 'warmup_complete':
      return svc.ctx.notify.send({ ...base, template: 'glucose.sensor_warmup_complete', data: { model }, dedupKey: `glucose.sensor:${sensor.id}:warmup` }, { db: tx });
    case 'expiring_24h':
    case 'expiring_2h':
      return svc.ctx.notify.send({ ...base, template: 'glucose.sensor_expiring', data: { model, hours: notice === 'expiring_24h' ? 24 : 2 }, dedupKey: `glucose.sensor:${sensor.id}:${notice}` }, { db: tx });
    case 'expired':
      return svc.ctx.notify.send({ ...base, template: 'glucose.sensor_expired', data: { model }, dedupKey: `glucose.sensor:${sensor.id}:expired` }, { db: tx });
    case 'battery_low': {
      const level = (data.percent ?? 100) <= 10 ? 10 : 20;
      return svc.ctx.notify.send({ ...base, template: 'glucose.sensor_battery_low', data: { model, percent: data.percent }, dedupKey: `glucose.sensor:${sensor.id}:battery:${level}` }, { db: tx });
    }
  }
}
