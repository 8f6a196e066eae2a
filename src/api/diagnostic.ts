/** Severity of a validation finding: an error makes the resource invalid, a warning does not. */
export type Severity = 'error' | 'warning';

/** One problem found in one resource, at one field path (`spec.http[0].route[1].weight`). */
export interface Diagnostic {
  severity: Severity;
  /** Field path from the resource root; empty for the whole resource. */
  path: string;
  message: string;
}

/**
 * Collects diagnostics while validation walks a resource. `at` derives a reporter for a
 * child path so that nested validators never build paths by hand.
 */
export class Reporter {
  constructor(
    readonly path: string = '',
    private readonly sink: Diagnostic[] = [],
  ) {}

  /** A reporter for a field (`at('hosts')`) or a list index (`at(0)`). */
  at(key: string | number): Reporter {
    return new Reporter(joinPath(this.path, key), this.sink);
  }

  error(message: string): void {
    this.sink.push({ severity: 'error', path: this.path, message });
  }

  warn(message: string): void {
    this.sink.push({ severity: 'warning', path: this.path, message });
  }

  get diagnostics(): readonly Diagnostic[] {
    return this.sink;
  }

  hasErrors(): boolean {
    return this.sink.some((d) => d.severity === 'error');
  }
}

/** Appends a field or index to a path the way messages print it. */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (!/^[A-Za-z_][\w-]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === '' ? key : `${path}.${key}`;
}
