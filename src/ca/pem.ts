/** Splits a PEM text into its `-----BEGIN CERTIFICATE-----` blocks, each ending in a newline. */
export function splitPemCertificates(text: string): string[] {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => `${b}\n`);
}

/** Joins PEM blocks into one text with exactly one newline after each block. */
export function joinPem(blocks: readonly string[]): string {
  return blocks.map((b) => `${b.trim()}\n`).join('');
}
