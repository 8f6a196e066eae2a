// Where a test app listens: on its declared port in a pod, on the port `plexus run` gives it
// (PLEXUS_PORT_<declared>, on HOST) in explicit mode.

/** The declared ports from argv (comma-separated) and where each is really served. */
export function appListenPorts(arg: string | undefined): Array<{ declared: number; port: number; host: string }> {
  return (arg ?? '').split(',').filter(Boolean).map(Number).map((declared) => ({
    declared,
    port: Number(process.env[`PLEXUS_PORT_${declared}`] ?? declared),
    host: process.env.HOST ?? '0.0.0.0',
  }));
}
