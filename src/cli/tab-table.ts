/**
 * A table laid out as Go's `text/tabwriter` does for istioctl (minwidth 0, padding N, spaces):
 * every column but the last is padded to its widest cell plus `padding`.
 */
export function renderTabTable(rows: readonly (readonly string[])[], padding: number): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => { if (i < row.length - 1) widths[i] = Math.max(widths[i] ?? 0, cell.length); });
  return rows.map((row) => row.map((cell, i) => (i < row.length - 1 ? cell.padEnd((widths[i] ?? 0) + padding) : cell)).join('')).join('\n') + '\n';
}
