/** Values with their unit, as the charts, tooltips and the host page show them. */
const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** A value with its unit as people read it: `93.5 %`, `12 ms`, `1.5 GiB`. */
export function formatValue(value: number | null, unit?: string): string {
  if (value === null || !Number.isFinite(value)) return '—';
  if (unit === 'bytes' || unit === 'B') {
    let v = value;
    let i = 0;
    while (Math.abs(v) >= 1024 && i < BYTE_UNITS.length - 1) {
      v /= 1024;
      i++;
    }
    return `${round(v)} ${BYTE_UNITS[i]}`;
  }
  return unit ? `${round(value)} ${unit}` : round(value);
}

function round(v: number): string {
  const abs = Math.abs(v);
  const digits = abs >= 100 || Number.isInteger(v) ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return v.toLocaleString('en-US', { maximumFractionDigits: digits });
}
