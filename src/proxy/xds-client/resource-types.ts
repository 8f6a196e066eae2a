// The type URLs are shared with the controller (src/shared); these are the xds-client's names.
export { SHORT_NAME, TYPE_PREFIX, XDS_TYPE, isWildcardType, isXdsTypeUrl, type XdsTypeUrl } from '../../shared/xds-type-urls.js';
export { XDS_ORDER as SUBSCRIBE_ORDER } from '../../shared/xds-type-urls.js';
