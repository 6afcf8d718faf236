import { zoneOffsetMinutes } from '../patients/zone.js';

/** Small deterministic generator, so the demo looks the same on every install. */
function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const bump = (h: number, centre: number, width: number) => Math.exp(-((h - centre) ** 2) / (2 * width * width));

/**
 * A plausible type 1 day, repeated with variation: dawn rise, three meals with their peaks, a nocturnal low every
 * fourth night, and sensor noise; 5-minute points from `days` ago up to `nowMs`, in the patient's local clock.
 */
export function demoTrace(nowMs: number, days: number, zone: string): { t: number; v: number }[] {
  const random = mulberry32(20251031);
  const step = 5 * 60_000;
  const count = days * 288;
  const start = nowMs - (count - 1) * step;
  const out: { t: number; v: number }[] = [];
  let noise = 0;
  for (let i = 0; i < count; i++) {
    const t = start + i * step;
    const local = t + zoneOffsetMinutes(zone, t) * 60_000;
    const day = Math.floor(local / 86_400_000);
    const h = (local % 86_400_000) / 3_600_000;
    const dayRandom = mulberry32(day * 7919);
    const meal = (size: number) => size * (0.7 + 0.6 * dayRandom());
    noise = 0.85 * noise + (random() - 0.5) * 5;
    const v = 112 + 22 * bump(h, 5.5, 1.4)
      + meal(70) * bump(h, 8.6, 0.9) + meal(60) * bump(h, 13.4, 1.0) + meal(85) * bump(h, 20.4, 1.1)
      - (day % 4 === 2 ? 58 * bump(h, 3.2, 0.8) : 0) + noise;
    out.push({ t, v: Math.max(40, Math.min(400, Math.round(v))) });
  }
  return out;
}
