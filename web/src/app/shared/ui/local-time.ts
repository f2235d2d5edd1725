/**
 * The user's local time as `<input type="datetime-local">` shows it, and back to the UTC epoch
 * milliseconds the API speaks. Schedules and the log's time filter use these.
 */

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Epoch ms → the local date-time text a `datetime-local` input shows (seconds only when set). */
export function toLocalInput(epochMs: number): string {
  const d = new Date(epochMs);
  const base = `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return d.getSeconds() === 0 && d.getMilliseconds() === 0 ? base : `${base}:${pad(d.getSeconds())}`;
}

/** A `datetime-local` value, read as the user's local time → epoch ms (UTC); undefined if malformed. */
export function fromLocalInput(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map((p) => (p === undefined ? 0 : Number(p))) as [number, number, number, number, number, number];
  const d = new Date(year, month - 1, day, hour, minute, second);
  // `new Date` rolls 31 February over into March; refuse instead of silently moving the date.
  if (d.getFullYear() !== year || d.getMonth() !== month - 1 || d.getDate() !== day || d.getHours() !== hour) return undefined;
  return d.getTime();
}
