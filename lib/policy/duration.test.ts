import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from './duration.js';
import { matchesSelector, parseLabelSelector } from './label-selector.js';

void describe('durations', () => {
  void it('parses units, fractions, compounds and bare milliseconds', () => {
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('0.3s'), 300);
    assert.equal(parseDuration('2m'), 120_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('42'), 42);
    assert.equal(parseDuration(42), 42);
  });
  void it('rejects everything else', () => {
    for (const bad of ['', 's', '1x', '1.5', '-1s', '1 s', '1sec', '0.5ms', '1.0001s', '1e3ms', '1'.repeat(40) + 's']) {
      assert.equal(parseDuration(bad), undefined, bad);
    }
    assert.equal(parseDuration(1.5), undefined);
    assert.equal(parseDuration(-1), undefined);
  });
  void it('formats for people', () => {
    assert.equal(formatDuration(250), '250ms');
    assert.equal(formatDuration(1500), '1.5s');
    assert.equal(formatDuration(90_000), '1m30s');
    assert.equal(formatDuration(3_600_000), '1h');
  });
});

void describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front', canary: 'true' };
  void it('evaluates every operator', () => {
    const yes = ['', 'app=web', 'app==web', 'tier!=db', 'canary', '!legacy', 'app in (web,api)', 'tier notin (db)', 'app=web, tier=front'];
    const no = ['app=api', 'tier!=front', 'legacy', '!canary', 'app in (api)', 'app notin (web)', 'app=web,tier=db'];
    for (const s of yes) assert.equal(matchesSelector(labels, parseLabelSelector(s)), true, s);
    for (const s of no) assert.equal(matchesSelector(labels, parseLabelSelector(s)), false, s);
  });
  void it('rejects malformed selectors with the field path', () => {
    for (const s of ['app=(web', '=x', 'app in ()', 'a b c']) {
      assert.throws(() => parseLabelSelector(s, 'label_selector'), (err: Error & { violations?: Array<{ path: string }> }) => err.violations?.[0]?.path === 'label_selector');
    }
  });
});
