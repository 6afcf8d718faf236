import type { AlertType } from './tables.js';

export type MessageKind = 'raised' | 'upgraded' | 'renotify' | 'reopened' | 'escalation' | 'recheck' | 'help';

export interface AlertMessageData {
  kind: MessageKind;
  type: AlertType;
  /** mg/dL; shown in the recipient's unit. */
  value: number | null;
  unit: 'mg/dL' | 'mmol/L';
  arrow: string;
  patientName: string;
  /** HH:mm in the patient's zone. */
  at: string;
  level?: number;
  /** For the recheck reminder: whether the reading is still low (repeat 15 g). */
  stillLow?: boolean;
  link: string;
}

const EN: Record<AlertType, string> = {
  urgent_low: 'Urgent low', low: 'Low', high: 'High', urgent_high: 'Urgent high', rapid_fall: 'Falling fast', rapid_rise: 'Rising fast',
  predicted_low: 'Low predicted', stale_data: 'No data',
};
const FR: Record<AlertType, string> = {
  urgent_low: 'Hypo sévère', low: 'Hypo', high: 'Hyper', urgent_high: 'Hyper sévère', rapid_fall: 'Baisse rapide', rapid_rise: 'Hausse rapide',
  predicted_low: 'Hypo prévue', stale_data: 'Pas de données',
};

const ARROWS: Record<string, string> = {
  DoubleUp: '⇈', SingleUp: '↑', FortyFiveUp: '↗', Flat: '→', FortyFiveDown: '↘', SingleDown: '↓', DoubleDown: '⇊',
};
export const arrowOf = (direction: string | null | undefined) => (direction ? ARROWS[direction] ?? '' : '');

/** "52 mg/dL" or "2.9 mmol/L" (mg/dL ÷ 18.0182, one decimal). */
export function formatValue(mgdl: number | null, unit: 'mg/dL' | 'mmol/L'): string {
  if (mgdl === null) return '';
  return unit === 'mmol/L' ? `${(Math.round((mgdl / 18.0182) * 10) / 10).toFixed(1)} mmol/L` : `${Math.round(mgdl)} mg/dL`;
}

const head = (names: Record<AlertType, string>, d: AlertMessageData) =>
  [names[d.type], formatValue(d.value, d.unit), d.arrow].filter(Boolean).join(' ') + ` (${d.patientName}, ${d.at})`;

export function renderEn(d: AlertMessageData) {
  const line = head(EN, d);
  const title = d.kind === 'escalation' ? `Escalation ${d.level}: ${line}` : d.kind === 'help' ? `${d.patientName} needs help`
    : d.kind === 'recheck' ? 'Recheck your glucose' : line;
  const body = d.kind === 'help' ? `${d.patientName} needs help: ${EN[d.type]} ${formatValue(d.value, d.unit)} at ${d.at} — please call.`
    : d.kind === 'recheck' ? (d.stillLow ? `Still low or no new reading: take another 15 g of fast-acting carbohydrate and recheck in 15 minutes. ${line}` : `15 minutes have passed since the treatment. ${line}`)
    : d.kind === 'escalation' ? `Nobody has acknowledged this alert yet. ${line}`
    : d.kind === 'renotify' ? `Still active: ${line}` : d.kind === 'reopened' ? `Alert active again: ${line}` : line;
  return { title, body, link: d.link, sms: body };
}

export function renderFr(d: AlertMessageData) {
  const line = head(FR, d);
  const title = d.kind === 'escalation' ? `Escalade ${d.level} : ${line}` : d.kind === 'help' ? `${d.patientName} a besoin d'aide`
    : d.kind === 'recheck' ? 'Contrôlez votre glycémie' : line;
  const body = d.kind === 'help' ? `${d.patientName} a besoin d'aide : ${FR[d.type]} ${formatValue(d.value, d.unit)} à ${d.at} — merci d'appeler.`
    : d.kind === 'recheck' ? (d.stillLow ? `Toujours bas ou pas de nouvelle mesure : reprenez 15 g de sucre rapide et recontrôlez dans 15 minutes. ${line}` : `15 minutes depuis le resucrage. ${line}`)
    : d.kind === 'escalation' ? `Personne n'a encore pris en compte cette alerte. ${line}`
    : d.kind === 'renotify' ? `Toujours active : ${line}` : d.kind === 'reopened' ? `Alerte à nouveau active : ${line}` : line;
  return { title, body, link: d.link, sms: body };
}
