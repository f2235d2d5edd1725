import { formatValue } from './format-value';

describe('formatValue', () => {
  it('formats values with their unit', () => {
    expect(formatValue(93.456, '%')).toBe('93.5 %');
    expect(formatValue(0.12345, 'load')).toBe('0.123 load');
    expect(formatValue(1536, 'ms')).toBe('1,536 ms');
    expect(formatValue(1.5 * 1024 ** 3, 'bytes')).toBe('1.5 GiB');
    expect(formatValue(7)).toBe('7');
    expect(formatValue(null, '%')).toBe('—');
  });
});
