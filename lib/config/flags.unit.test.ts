import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../errors.js';
import { parseFlags } from './flags.js';

describe('command-line flags', () => {
  it('parses flags, kebab or camel case, with typed values', () => {
    assert.deepEqual(parseFlags(['--config', 'f.yaml', '--service', 'web', '--app.port=8080', '--control-plane.config-push', 'a:1', '--access-log', 'false']), {
      file: 'f.yaml',
      overrides: { service: 'web', 'app.port': 8080, 'controlPlane.configPush': 'a:1', accessLog: false },
    });
    assert.throws(() => parseFlags(['--service']), ConfigError);
    assert.throws(() => parseFlags(['web']), ConfigError);
  });
});
