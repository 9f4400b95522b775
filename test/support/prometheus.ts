/** One sample line of Prometheus' text format: its name, labels and value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function samplesOf(text: string): Sample[] {
  return text.split('\n').flatMap((line) => {
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) return [];
    const labels = Object.fromEntries([...(sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [k!, v!]));
    return [{ name: sample[1]!, labels, value: Number(sample[3]) }];
  });
}

/** The value of the sample named `name` whose labels are exactly `labels`; undefined when there is none. */
export function sampleOf(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels);
  return samplesOf(text).find(
    (s) => s.name === name && Object.keys(s.labels).length === wanted.length && wanted.every(([k, v]) => s.labels[k] === v),
  )?.value;
}

/** Every label value of every sample. */
export function labelValues(text: string): string[] {
  return samplesOf(text).flatMap((s) => Object.values(s.labels));
}
