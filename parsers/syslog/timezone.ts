/**
 * Time zones for timestamps that carry no UTC offset (RFC 3164 `Mmm dd hh:mm:ss`, and RFC 3339 without
 * an offset inside RFC 3164). A zone is an IANA name ('Europe/Berlin') or a fixed offset ('+02:00').
 *
 * Fast path: `Intl.DateTimeFormat` runs only when a zone meets an hour it has not seen; results are
 * cached per (zone, hour), so a steady stream does no Intl work per message.
 *
 * DST (the same choice as Temporal's `disambiguation: 'compatible'` and java.time's `ZonedDateTime.of`):
 * - ambiguous wall time (the repeated hour when clocks go back): the EARLIER instant, i.e. the offset in
 *   force before the transition (Berlin, last Sunday of October, 02:30 → 02:30+02:00 = 00:30Z);
 * - skipped wall time (the hour that does not exist when clocks go forward): read with the offset in force
 *   BEFORE the transition, which lands the same distance after it (Berlin, last Sunday of March,
 *   02:30 → 02:30+01:00 = 01:30Z = 03:30+02:00).
 */

const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;
/** Cache entries per zone before the cache is reset (bounded: STYLE.md §9). ~1 year of hours. */
const MAX_CACHE_ENTRIES = 8192;

/** A resolved time zone: converts between UTC instants and local wall-clock times (both in ms). */
export interface TimeZone {
  /** The name as configured. */
  readonly name: string;
  /** True for UTC and fixed offsets (no DST). */
  readonly fixed: boolean;
  /** Offset (ms, local − UTC) in force at the UTC instant `utcMs`. */
  offsetAt(utcMs: number): number;
  /**
   * The UTC instant of a wall-clock time given as `Date.UTC(fields…)` in this zone, with the DST
   * choices documented at the top of this file. NaN in, NaN out.
   */
  toUtc(wallMs: number): number;
}

/** `+HH:MM`, `-HH:MM`, `+HHMM`, `+HH`, 'Z', 'UTC' or 'GMT' → offset in ms; undefined if not that form. */
function parseFixedOffset(name: string): number | undefined {
  if (name === 'Z' || name === 'UTC' || name === 'GMT' || name === 'Etc/UTC' || name === 'Etc/GMT') return 0;
  const m = /^([+-])(\d\d)(?::?(\d\d))?$/.exec(name);
  if (m === null) return undefined;
  const h = Number(m[2]);
  const mi = m[3] === undefined ? 0 : Number(m[3]);
  if (h > 23 || mi > 59) return undefined;
  const ms = (h * 60 + mi) * MS_PER_MINUTE;
  return m[1] === '-' ? -ms : ms;
}

class FixedZone implements TimeZone {
  readonly fixed = true;
  constructor(readonly name: string, private readonly offset: number) {}
  offsetAt(): number {
    return this.offset;
  }
  toUtc(wallMs: number): number {
    return wallMs - this.offset;
  }
}

/** One UTC hour of an IANA zone: the offset before and after a transition inside it (if any). */
interface HourEntry {
  before: number;
  after: number;
  /** UTC instant the offset changes to `after`; +Infinity when the hour has one offset. */
  at: number;
}

class IanaZone implements TimeZone {
  readonly fixed = false;
  private readonly format: Intl.DateTimeFormat;
  /** UTC hour index → offsets within that hour. */
  private readonly hours = new Map<number, HourEntry>();
  /** Local wall hour index → offset valid for the whole wall hour, or NaN: resolve per message. */
  private readonly wallHours = new Map<number, number>();
  private lastWallHour = NaN;
  private lastWallOffset = NaN;

  constructor(readonly name: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
  }

  /** The slow, exact offset at a UTC instant (whole seconds) via Intl. */
  private intlOffset(utcMs: number): number {
    const t = Math.floor(utcMs / 1000) * 1000;
    let y = 0;
    let mo = 0;
    let d = 0;
    let h = 0;
    let mi = 0;
    let s = 0;
    let bc = false;
    for (const p of this.format.formatToParts(t)) {
      switch (p.type) {
        case 'year': y = Number(p.value); break;
        case 'month': mo = Number(p.value); break;
        case 'day': d = Number(p.value); break;
        case 'hour': h = Number(p.value); break;
        case 'minute': mi = Number(p.value); break;
        case 'second': s = Number(p.value); break;
        case 'era': bc = p.value === 'BC' || p.value === 'B'; break;
        default: break;
      }
    }
    const date = new Date(0);
    date.setUTCFullYear(bc ? 1 - y : y, mo - 1, d);
    date.setUTCHours(h, mi, s, 0);
    return date.getTime() - t;
  }

  private hour(index: number): HourEntry {
    let e = this.hours.get(index);
    if (e !== undefined) return e;
    const start = index * MS_PER_HOUR;
    const before = this.intlOffset(start);
    const after = this.intlOffset(start + MS_PER_HOUR - 1000);
    let at = Number.POSITIVE_INFINITY;
    if (before !== after) {
      // Binary search to the second for the transition (one per hour at most).
      let lo = start;
      let hi = start + MS_PER_HOUR - 1000;
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
        if (this.intlOffset(mid) === before) lo = mid;
        else hi = mid;
      }
      at = hi;
    }
    e = { before, after, at };
    if (this.hours.size >= MAX_CACHE_ENTRIES) this.hours.clear();
    this.hours.set(index, e);
    return e;
  }

  offsetAt(utcMs: number): number {
    if (!Number.isFinite(utcMs)) return 0;
    const e = this.hour(Math.floor(utcMs / MS_PER_HOUR));
    return utcMs < e.at ? e.before : e.after;
  }

  /** Exact wall → UTC, assuming at most one transition within a day either side. */
  private resolve(wallMs: number): number {
    const early = this.offsetAt(wallMs - MS_PER_DAY);
    const late = this.offsetAt(wallMs + MS_PER_DAY);
    const c1 = wallMs - early;
    if (early === late && this.offsetAt(c1) === early) return c1;
    const c2 = wallMs - late;
    const ok1 = this.offsetAt(c1) === early;
    const ok2 = this.offsetAt(c2) === late;
    if (ok1 && ok2) return Math.min(c1, c2); // ambiguous: the earlier instant
    if (ok1) return c1;
    if (ok2) return c2;
    return c1; // skipped: the offset before the transition
  }

  toUtc(wallMs: number): number {
    if (!Number.isFinite(wallMs)) return NaN;
    const index = Math.floor(wallMs / MS_PER_HOUR);
    if (index === this.lastWallHour) {
      const o = this.lastWallOffset;
      return Number.isNaN(o) ? this.resolve(wallMs) : wallMs - o;
    }
    let o = this.wallHours.get(index);
    if (o === undefined) {
      // The offset as a function of wall time is a step function under the chosen rules, so a wall hour
      // whose first and last millisecond resolve to the same offset has that offset throughout.
      const start = index * MS_PER_HOUR;
      const a = start - this.resolve(start);
      const b = start + MS_PER_HOUR - 1 - this.resolve(start + MS_PER_HOUR - 1);
      o = a === b ? a : NaN;
      if (this.wallHours.size >= MAX_CACHE_ENTRIES) this.wallHours.clear();
      this.wallHours.set(index, o);
    }
    this.lastWallHour = index;
    this.lastWallOffset = o;
    return Number.isNaN(o) ? this.resolve(wallMs) : wallMs - o;
  }
}

export const UTC_ZONE: TimeZone = new FixedZone('UTC', 0);

const zones = new Map<string, TimeZone | null>();

/**
 * The zone for a name, cached; undefined for an unknown (or empty) name. No name means UTC. Intl is only
 * asked once per name.
 */
export function resolveTimeZone(name: string | undefined): TimeZone | undefined {
  if (name === undefined) return UTC_ZONE;
  if (name === '') return undefined;
  const cached = zones.get(name);
  if (cached !== undefined) return cached ?? undefined;
  let zone: TimeZone | null = null;
  const fixed = parseFixedOffset(name);
  if (fixed !== undefined) {
    zone = fixed === 0 ? UTC_ZONE : new FixedZone(name, fixed);
  } else {
    try {
      zone = new IanaZone(name);
    } catch {
      zone = null;
    }
  }
  if (zones.size >= 1024) zones.clear();
  zones.set(name, zone);
  return zone ?? undefined;
}

/** Whether `name` is a zone the parser accepts (IANA name known to this Node's ICU, or a fixed offset). */
export function validTimeZone(name: string): boolean {
  return typeof name === 'string' && resolveTimeZone(name) !== undefined;
}
