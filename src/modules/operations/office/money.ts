/**
 * Decimal money arithmetic on strings (no floating point): a quote line's total is
 * round(quantity × unitPrice, 2) with half away from zero (spec §3.1), and a quote's amount is the sum of its lines.
 */

/** Minor units of the currencies the office may use (ISO 4217). */
export const CURRENCY_MINOR_UNITS: Record<string, number> = { EUR: 2, USD: 2, GBP: 2, CHF: 2, JPY: 0 };
export const DEFAULT_CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF'];

const DECIMAL = /^(\d{1,12})(?:\.(\d{1,3}))?$/;

/** Parses a non-negative decimal string into an integer scaled by 10^scale; null when it has more decimals than `scale`. */
export function toScaled(value: string, scale: number): bigint | null {
  const m = DECIMAL.exec(value.trim());
  if (!m) return null;
  const frac = m[2] ?? '';
  if (frac.length > scale) return null;
  return BigInt(m[1]! + frac.padEnd(scale, '0'));
}

export function fromScaled(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  const frac = scale ? `.${digits.slice(digits.length - scale)}` : '';
  return `${negative ? '-' : ''}${int}${frac}`;
}

/** round(quantity × unitPrice, 2), half away from zero; quantity has ≤ 3 decimals, unitPrice ≤ 2. */
export function lineTotal(quantity: string, unitPrice: string): string {
  const q = toScaled(quantity, 3);
  const p = toScaled(unitPrice, 2);
  if (q === null || p === null) throw new RangeError('quantity or unit price is not a decimal of the allowed scale');
  const product = q * p; // scale 5
  const cents = (product + 500n) / 1000n; // non-negative values: half away from zero = half up
  return fromScaled(cents, 2);
}

export function sumLines(lines: { quantity: string; unitPrice: string }[]): string {
  const total = lines.reduce((acc, l) => acc + toScaled(lineTotal(l.quantity, l.unitPrice), 2)!, 0n);
  return fromScaled(total, 2);
}

/** Normalises an amount to the column's two decimals; null when it has more decimals than the currency allows. */
export function normaliseAmount(amount: string, currency: string): string | null {
  const minor = CURRENCY_MINOR_UNITS[currency] ?? 2;
  const scaled = toScaled(amount, minor);
  if (scaled === null) return null;
  return fromScaled(scaled * 10n ** BigInt(2 - minor), 2);
}

export const sameAmount = (a: string, b: string) => toScaled(a, 3) === toScaled(b, 3);
