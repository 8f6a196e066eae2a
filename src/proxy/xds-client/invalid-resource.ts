/**
 * Why a resource was rejected: which resource, which field, and what is wrong with it. One
 * such error in a response NACKs the whole response (Envoy's behaviour), and its message goes
 * into the NACK's `error_detail`.
 */
export class InvalidResourceError extends Error {
  constructor(
    readonly resource: string,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${resource}: ${field === '' ? '' : `${field}: `}${reason}`);
    this.name = 'InvalidResourceError';
  }
}

/**
 * Where a translator is inside one resource. Translators pass it down with `at(...)`, so an
 * error deep in a route names its path (`virtual_hosts[0].routes[2].match.safe_regex`).
 */
export class FieldPath {
  constructor(
    readonly resource: string,
    readonly path: string = '',
  ) {}

  /** A child path: `at('routes', 2)` → `routes[2]`. */
  at(field: string, index?: number): FieldPath {
    const seg = index === undefined ? field : `${field}[${index}]`;
    return new FieldPath(this.resource, this.path === '' ? seg : field === '' ? `${this.path}[${index}]` : `${this.path}.${seg}`);
  }

  /** Throws an {@link InvalidResourceError} at this path. */
  fail(reason: string): never {
    throw new InvalidResourceError(this.resource, this.path, reason);
  }
}
