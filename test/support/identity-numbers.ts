/**
 * Synthetic Norwegian identity numbers with valid check digits (the mod-11 rule the validator
 * applies), so tests never carry a real person's number. Deterministic for a given seed.
 */
const K1 = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const K2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

function checkDigit(digits: number[], weights: number[]): number | undefined {
  const rest = 11 - (weights.reduce((sum, weight, index) => sum + weight * digits[index], 0) % 11);
  if (rest === 11) return 0;
  return rest === 10 ? undefined : rest;
}

/** A fødselsnummer (or, with `dNumber`, a D-number: day + 40) born on the given day of 1972–2009. */
export function syntheticIdentityNumber(seed: number, { dNumber = false } = {}): string {
  for (let attempt = 0; ; attempt++) {
    const n = seed * 7919 + attempt;
    const day = 1 + (n % 28);
    const month = 1 + (Math.floor(n / 28) % 12);
    const year = 72 + (Math.floor(n / 336) % 28); // 1972–1999: individual numbers 000–499
    const individual = (Math.floor(n / 9408) + attempt * 37) % 500;
    const text = `${pad(dNumber ? day + 40 : day)}${pad(month)}${pad(year % 100)}${String(individual).padStart(3, '0')}`;
    const digits = [...text].map(Number);
    const first = checkDigit(digits, K1);
    if (first === undefined) continue;
    const second = checkDigit([...digits, first], K2);
    if (second === undefined) continue;
    return `${text}${first}${second}`;
  }
}

/** The same number with its last check digit changed: 11 digits that are not a valid identity number. */
export function withWrongCheckDigit(number: string): string {
  return number.slice(0, 10) + String((Number(number[10]) + 1) % 10);
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
