import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { METRIC_NAMES, createMetrics } from './metrics.js';

function sampleLine(body: string, prefix: string): string | undefined {
  return body.split('\n').find((line) => line.startsWith(prefix));
}

describe('createMetrics', () => {
  it('exposes every named metric and default process metrics', async () => {
    const { body, contentType } = await createMetrics().render();
    assert.match(contentType, /^text\/plain/);
    for (const name of Object.values(METRIC_NAMES)) assert.ok(body.includes(`# TYPE ${name} `), name);
    assert.ok(body.includes('process_cpu_user_seconds_total'));
  });

  it('records through typed accessors', async () => {
    const metrics = createMetrics();
    metrics.smtpConnections.inc('accepted');
    metrics.smtpConnections.inc('accepted');
    metrics.smtpConnectionsActive.inc();
    metrics.messages.inc('quarantine');
    metrics.findings.inc('CLAMAV_VIRUS');
    metrics.findings.inc('<script>bad label');
    metrics.delivery.inc('deferred');
    metrics.spoolBytes.inc(1234);
    metrics.analysisSeconds.observe(0.002);
    const { body } = await metrics.render();
    assert.equal(sampleLine(body, 'moat_smtp_connections_total{result="accepted"}'), 'moat_smtp_connections_total{result="accepted"} 2');
    assert.equal(sampleLine(body, 'moat_smtp_connections_active'), 'moat_smtp_connections_active 1');
    assert.equal(sampleLine(body, 'moat_messages_total{action="quarantine"}'), 'moat_messages_total{action="quarantine"} 1');
    assert.equal(sampleLine(body, 'moat_findings_total{symbol="CLAMAV_VIRUS"}'), 'moat_findings_total{symbol="CLAMAV_VIRUS"} 1');
    assert.equal(sampleLine(body, 'moat_findings_total{symbol="INVALID_SYMBOL"}'), 'moat_findings_total{symbol="INVALID_SYMBOL"} 1');
    assert.equal(sampleLine(body, 'moat_delivery_total{outcome="deferred"}'), 'moat_delivery_total{outcome="deferred"} 1');
    assert.equal(sampleLine(body, 'moat_spool_bytes_total'), 'moat_spool_bytes_total 1234');
    assert.equal(sampleLine(body, 'moat_analysis_seconds_bucket{le="0.001"}'), 'moat_analysis_seconds_bucket{le="0.001"} 0');
    assert.equal(sampleLine(body, 'moat_analysis_seconds_bucket{le="0.0025"}'), 'moat_analysis_seconds_bucket{le="0.0025"} 1');
    assert.equal(sampleLine(body, 'moat_analysis_seconds_bucket{le="30"}'), 'moat_analysis_seconds_bucket{le="30"} 1');
  });

  it('keeps registries separate', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.spoolBytes.inc(5);
    assert.equal(sampleLine((await b.render()).body, 'moat_spool_bytes_total'), 'moat_spool_bytes_total 0');
  });

  it('reads queue depth from the source at scrape time, NaN when it fails', async () => {
    const metrics = createMetrics();
    let depth = 7;
    metrics.setQueueDepthSource(async () => depth);
    assert.equal(sampleLine((await metrics.render()).body, 'moat_queue_depth'), 'moat_queue_depth 7');
    depth = 3;
    assert.equal(sampleLine((await metrics.render()).body, 'moat_queue_depth'), 'moat_queue_depth 3');
    metrics.setQueueDepthSource(async () => {
      throw new Error('database gone');
    });
    assert.equal(sampleLine((await metrics.render()).body, 'moat_queue_depth'), 'moat_queue_depth Nan');
  });
});
