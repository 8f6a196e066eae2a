// The type URLs are shared with the proxy's xds-client (src/shared); these are the
// controller's names for them.
import { SHORT_NAME, XDS_ORDER, XDS_TYPE, XDS_TYPE as TYPE_URL, isWildcardType } from '../shared/xds-type-urls.js';

export { TYPE_PREFIX, typeNameOf } from '../shared/xds-type-urls.js';
export { TYPE_URL };

/** Short names as istioctl prints them, keyed by any type URL string. */
export const SHORT_TYPE: Readonly<Record<string, string>> = SHORT_NAME;

/** Order in which a push sends types (make-before-break). */
export const PUSH_ORDER: readonly string[] = XDS_ORDER;

/** Types whose SotW responses must carry every resource (a missing one counts as deleted). */
export const STATE_OF_THE_WORLD_FULL: ReadonlySet<string> = new Set(Object.values(XDS_TYPE).filter(isWildcardType));
