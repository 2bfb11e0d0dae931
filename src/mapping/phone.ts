/**
 * The common case of a phone column, a number already in international `+<digits>` form, without
 * libphonenumber-js's general parser (argument spreading, a RegExp built per pattern test, a
 * metadata object per call: about 6 µs a number, the mapper's largest cost).
 *
 * This follows the library's own steps for such input — calling code, national prefix stripping,
 * the national number pattern — on its min metadata, but only for calling codes that belong to one
 * country whose metadata has no number types: there the steps are few and unambiguous. Shared codes
 * (+1, +7, +44, …), countries with types and non-geographic codes are `undefined`, left to the
 * library. test/mapping/phone.test.ts holds every calling code's answers to the library's.
 */
import { Metadata } from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/min/metadata';

/** The runtime accessors of the library's Metadata that its parser uses (its typings omit them). */
interface MetadataView {
  hasCallingCode(callingCode: string): boolean;
  getCountryCodesForCallingCode(callingCode: string): string[] | undefined;
  selectNumberingPlan(country: string): void;
  hasTypes(): boolean;
  nationalNumberPattern(): string;
  nationalPrefixTransformRule(): string | undefined;
  numberingPlan: { possibleLengths(): number[] | undefined; nationalPrefixForParsing(): string | undefined };
}

interface Plan {
  callingCode: string;
  /** The national number pattern, anchored as the library's `matchesEntirely` anchors it. */
  pattern: RegExp;
  /** National prefix for parsing, anchored at the start as the library anchors it. */
  prefix: RegExp | undefined;
  transformRule: string | undefined;
  lengths: readonly number[] | undefined;
}

/** Only plain international numbers, within the lengths E.164 allows, take this path. */
const INTERNATIONAL = /^\+[1-9]\d{5,16}$/;
/** The library's limits on a national number (MIN_LENGTH_FOR_NSN, MAX_LENGTH_FOR_NSN). */
const MIN_NATIONAL = 2;
const MAX_NATIONAL = 17;

/** Calling code → its plan, `null` when the fast path does not apply, `false` when no such code. */
const plans = new Map<string, Plan | null | false>();
let view: MetadataView | undefined;

/**
 * `parsePhoneNumberFromString(raw)` then `isValid()` and `.number`, for `+<digits>` input:
 * the E.164 number, `false` when the library finds it invalid, `undefined` when it must decide.
 */
export function fastE164(raw: string): string | false | undefined {
  if (!INTERNATIONAL.test(raw)) return undefined;
  // The library takes the shortest prefix that is a known calling code.
  for (let end = 2; end <= 4; end++) {
    const plan = planFor(raw.slice(1, end));
    if (plan === false) continue;
    return plan === null ? undefined : check(plan, raw, raw.slice(end));
  }
  return undefined;
}

function check(plan: Plan, raw: string, digits: string): string | false {
  const national = nationalNumber(plan, digits);
  if (national.length < MIN_NATIONAL || national.length > MAX_NATIONAL) return false;
  if (!plan.pattern.test(national)) return false;
  // Usually the input already is the E.164 form; returning it allocates nothing.
  return national === digits ? raw : `+${plan.callingCode}${national}`;
}

/** The library's extractNationalNumber: strip a national prefix only where the result still fits. */
function nationalNumber(plan: Plan, digits: string): string {
  if (plan.prefix === undefined) return digits;
  const match = plan.prefix.exec(digits);
  if (!match) return digits;
  const groups = match.length - 1;
  const captured = groups > 0 && Boolean(match[groups]);
  const stripped =
    plan.transformRule && captured ? digits.replace(plan.prefix, plan.transformRule) : digits.slice(match[0].length);
  if (stripped === digits) return digits;
  if (plan.pattern.test(digits) && !plan.pattern.test(stripped)) return digits;
  if (plan.lengths !== undefined && !possibleIncomplete(stripped.length, plan.lengths)) return digits;
  return stripped;
}

/** checkNumberLength is neither TOO_SHORT nor INVALID_LENGTH (TOO_LONG still counts as possible). */
function possibleIncomplete(length: number, lengths: readonly number[]): boolean {
  const min = lengths[0] as number;
  if (min === length) return true;
  if (min > length) return false;
  if ((lengths[lengths.length - 1] as number) < length) return true;
  return lengths.indexOf(length, 1) >= 0;
}

function planFor(callingCode: string): Plan | null | false {
  let plan = plans.get(callingCode);
  if (plan === undefined) {
    plan = buildPlan(callingCode);
    plans.set(callingCode, plan);
  }
  return plan;
}

function buildPlan(callingCode: string): Plan | null | false {
  view ??= new Metadata(metadata) as unknown as MetadataView;
  if (!view.hasCallingCode(callingCode)) return false;
  const countries = view.getCountryCodesForCallingCode(callingCode);
  const country = countries?.length === 1 ? countries[0] : undefined;
  if (country === undefined || country === '001') return null;
  view.selectNumberingPlan(country);
  if (view.hasTypes()) return null;
  const prefix = view.numberingPlan.nationalPrefixForParsing();
  return {
    callingCode,
    pattern: new RegExp(`^(?:${view.nationalNumberPattern()})$`),
    prefix: prefix ? new RegExp(`^(?:${prefix})`) : undefined,
    transformRule: view.nationalPrefixTransformRule(),
    lengths: view.numberingPlan.possibleLengths(),
  };
}
