/**
 * The short human summary beside results.json: every numeric figure of every suite as
 * `suite.path = value`, grouped by suite, so a reader can scan a run without JSON tools.
 */
interface Output {
  readonly generatedAt: string;
  readonly environment: Record<string, unknown>;
  readonly suites: Record<string, unknown>;
}

function flatten(value: unknown, prefix: string, out: string[]): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v !== 'object')) out.push(`- \`${prefix}\`: ${value.join(', ')}`);
    else value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
    return;
  }
  if (typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${key}` : key, out);
    return;
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (prefix === 'error') out.push(`- **error**: ${text.split('\n')[0]}`);
  else out.push(`- \`${prefix}\`: ${text}`);
}

export function summarize(output: Output): string {
  const lines = [`# Earshot benchmark summary`, '', `Generated ${output.generatedAt}.`, ''];
  const env = Object.entries(output.environment).map(([k, v]) => `${k}: ${String(v)}`);
  lines.push(`Environment: ${env.join('; ')}.`, '');
  for (const [name, figures] of Object.entries(output.suites)) {
    lines.push(`## ${name}`, '');
    flatten(figures, '', lines);
    lines.push('');
  }
  return lines.join('\n');
}
