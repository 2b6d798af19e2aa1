import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderMetrics } from './promText.js';

describe('renderMetrics', () => {
  it('writes HELP and TYPE before the samples, escapes label values, ends with a newline', () => {
    const text = renderMetrics([{ name: 'x_total', type: 'counter', help: 'a\\b\nc', samples: [{ labels: { name: 'q"\\\n' }, value: 1.5 }, { value: NaN }] }]);
    assert.equal(text, '# HELP x_total a\\\\b\\nc\n# TYPE x_total counter\nx_total{name="q\\"\\\\\\n"} 1.5\nx_total NaN\n');
  });

  it('refuses bad metric and label names and duplicate families', () => {
    assert.throws(() => renderMetrics([{ name: '1x', type: 'gauge', help: '', samples: [] }]), /bad metric name/);
    assert.throws(() => renderMetrics([{ name: 'x', type: 'gauge', help: '', samples: [{ labels: { 'a-b': '1' }, value: 1 }] }]), /bad label name/);
    assert.throws(() => renderMetrics([{ name: 'x', type: 'gauge', help: '', samples: [] }, { name: 'x', type: 'gauge', help: '', samples: [] }]), /twice/);
  });
});

