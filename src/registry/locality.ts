/** Where an endpoint runs, as Envoy's `Locality` names it. */
export interface Locality {
  region: string;
  zone: string;
  sub_zone: string;
}

/** Istio's `region/zone/subzone` string; missing parts are empty. */
export function parseLocality(value: string | undefined): Locality {
  const [region = '', zone = '', subZone = ''] = (value ?? '').split('/');
  return { region, zone, sub_zone: subZone };
}

/** Locality from Kubernetes topology labels, when no explicit locality is given. */
export function localityFromLabels(labels: Readonly<Record<string, string>>): Locality {
  return {
    region: labels['topology.kubernetes.io/region'] ?? '',
    zone: labels['topology.kubernetes.io/zone'] ?? '',
    sub_zone: labels['topology.istio.io/subzone'] ?? '',
  };
}

/** `region/zone/subzone`, the key endpoints are grouped by. */
export function localityKey(l: Locality): string {
  return `${l.region}/${l.zone}/${l.sub_zone}`;
}
