import { Counter } from '../../telemetry/counter.js';
import { Gauge } from '../../telemetry/gauge.js';
import type { MetricFamily, MetricSource } from '../../telemetry/prometheus-text.js';

/**
 * Listener and tcp_proxy statistics under Envoy's Prometheus names (`envoy_listener_*`,
 * `envoy_tcp_*`), so dashboards written for Istio read them unchanged.
 */
export class ListenerStats implements MetricSource {
  readonly cxTotal = new Counter('envoy_listener_downstream_cx_total', 'Connections accepted, by listener.');
  readonly noFilterChainMatch = new Counter('envoy_listener_no_filter_chain_match', 'Connections closed because no filter chain matched.');
  readonly tlsHandshakeErrors = new Counter('envoy_listener_ssl_connection_error', 'Downstream TLS handshakes that failed, by reason.');
  readonly tlsHandshakes = new Counter('envoy_listener_ssl_handshake', 'Downstream TLS handshakes that succeeded.');
  readonly tcpCxTotal = new Counter('envoy_tcp_downstream_cx_total', 'Connections handled by tcp_proxy, by stat prefix.');
  readonly tcpTxBytes = new Counter('envoy_tcp_downstream_cx_tx_bytes_total', 'Bytes tcp_proxy wrote downstream.');
  readonly tcpRxBytes = new Counter('envoy_tcp_downstream_cx_rx_bytes_total', 'Bytes tcp_proxy read from downstream.');
  readonly tcpConnectFail = new Counter('envoy_tcp_upstream_cx_connect_fail', 'Upstream connections tcp_proxy could not open.');
  readonly tcpIdleTimeout = new Counter('envoy_tcp_idle_timeout', 'tcp_proxy connections closed by the idle timeout.');
  private readonly active = new Map<string, number>();
  private readonly activeGauge = new Gauge('envoy_listener_downstream_cx_active', 'Open downstream connections, by listener.', () =>
    [...this.active].map(([listener, value]) => ({ labels: { envoy_listener_address: listener }, value })),
  );

  /** Moves the active-connection gauge of one listener. */
  adjustActive(listener: string, by: 1 | -1): void {
    const next = (this.active.get(listener) ?? 0) + by;
    if (next <= 0) this.active.delete(listener);
    else this.active.set(listener, next);
  }

  collect(): MetricFamily[] {
    return [
      this.cxTotal, this.noFilterChainMatch, this.tlsHandshakes, this.tlsHandshakeErrors,
      this.tcpCxTotal, this.tcpTxBytes, this.tcpRxBytes, this.tcpConnectFail, this.tcpIdleTimeout,
    ].map((c) => c.collect()).concat(this.activeGauge.collect());
  }
}
