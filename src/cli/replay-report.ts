/**
 * A replay-check report in words, as `actorchain replay-check` prints it and `actorchain upgrade
 * --dry-run` prints it too (one per message the new component would answer differently).
 */
import type { ReplayCheckReport } from '../verify/replay-check.js';

export function humanReport(report: ReplayCheckReport): string {
  const lines: string[] = [];
  const range = report.from === undefined ? '' : ` (from position ${report.from})`;
  lines.push(`replay-check: ${report.checked} of ${report.messages} messages${range} run through the component ${report.component}`);
  for (const d of report.differences) {
    lines.push(`position ${d.position} (message ${d.hash}): ${d.kind}: ${d.detail}`);
    if (d.expected !== undefined) lines.push(`  new code gives:  ${d.expected}`, `  chain records:   ${d.found}`);
  }
  lines.push(
    report.differences.length === 0
      ? `no difference: the new component answers every message run as the chain records (head ${report.head})`
      : `${report.differences.length} of ${report.checked} messages would be answered differently`,
  );
  return `${lines.join('\n')}\n`;
}
