import type { SourcedResource } from '../api/resource.js';
import { validateResource } from '../api/validate.js';
import { loadPaths } from '../config/load.js';
import { isMeshConfigMap } from '../config/mesh-config-source.js';
import type { CliIO } from './command.js';
import { formatDiagnostic } from './format-diagnostic.js';

/** Objects read for apply or delete: the ones to send, and whether anything was unreadable. */
export interface LoadedObjects {
  items: SourcedResource[];
  /** Problems already printed (syntax errors, invalid embedded mesh config). */
  failed: boolean;
}

/**
 * Reads `-f` paths for commands that send objects to the controller. Syntax errors are
 * printed as FILE:LINE: message. The MeshConfig that the loader derives from Istio's `istio`
 * ConfigMap is checked here (the controller stores the ConfigMap itself) and not sent.
 */
export function loadObjects(paths: readonly string[], io: CliIO, checkEmbedded: boolean): LoadedObjects {
  const loaded = loadPaths(paths, io.stdin);
  let failed = false;
  for (const p of loaded.problems) {
    io.stderr(`${p.file}:${p.line}: ${p.message}\n`);
    failed = true;
  }
  const items: SourcedResource[] = [];
  loaded.resources.forEach((item, i) => {
    const prev = loaded.resources[i - 1]?.resource;
    if (item.resource.kind === 'MeshConfig' && prev && isMeshConfigMap(prev) && prev.metadata.name === item.resource.metadata.name) {
      if (!checkEmbedded) return;
      for (const d of validateResource(item.resource).diagnostics) {
        if (d.severity !== 'error') continue;
        io.stderr(`${formatDiagnostic(item, d)}\n`);
        failed = true;
      }
      return;
    }
    items.push(item);
  });
  return { items, failed };
}
