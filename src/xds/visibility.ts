/**
 * Istio's `exportTo` rule: `*` exports everywhere, `.` to the owner's namespace only, `~`
 * nowhere, anything else names a namespace. An empty list means the mesh default (`*`).
 */
export function isVisible(exportTo: readonly string[] | undefined, ownerNamespace: string, viewerNamespace: string): boolean {
  if (!exportTo || exportTo.length === 0) return true;
  for (const e of exportTo) {
    if (e === '*') return true;
    if (e === '.' && ownerNamespace === viewerNamespace) return true;
    if (e === viewerNamespace) return true;
  }
  return false;
}
