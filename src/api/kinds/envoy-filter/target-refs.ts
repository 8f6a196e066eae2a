import type { Reporter } from '../../diagnostic.js';
import type { PolicyTargetReference } from './types.js';

const GROUP = /^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KIND = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

/** The CRD's rules for `targetRefs`: at most 16, kind and name required, same namespace. */
export function validateTargetRefs(refs: readonly PolicyTargetReference[], at: Reporter): void {
  if (refs.length > 16) at.error(`at most 16 targetRefs are allowed, got ${refs.length}`);
  refs.forEach((ref, i) => {
    const rat = at.at(i);
    if (ref === null || typeof ref !== 'object') return rat.error('targetRef may not be null');
    const group = ref.group ?? '';
    if (group.length > 253 || !GROUP.test(group)) rat.at('group').error(`invalid group ${JSON.stringify(group)}`);
    if (!ref.kind) rat.at('kind').error('kind is required');
    else if (ref.kind.length > 63 || !KIND.test(ref.kind)) rat.at('kind').error(`invalid kind ${JSON.stringify(ref.kind)}`);
    if (!ref.name) rat.at('name').error('name is required');
    else if (ref.name.length > 253) rat.at('name').error('name must be at most 253 characters');
    if (ref.namespace) rat.at('namespace').error('cross-namespace targetRefs are not supported; leave namespace empty');
  });
}
