// The ListWatch suite on the in-memory store; history is lost by pushing its ring past its bound.
import { after, before } from 'node:test';
import { MemoryStore } from '../../lib/store/memory-store.js';
import { listWatchSuite } from './list-watch-suite.js';

const HISTORY = 50;
let root: MemoryStore;

before(() => {
  root = new MemoryStore({ historySize: HISTORY });
});
after(async () => {
  await root.close();
});

listWatchSuite('memory', {
  make: async () => root.client(),
  loseHistory: async (store) => {
    for (let i = 0; i <= HISTORY; i++) await store.put('/plexus/v1/lw-churn/meta/k', i);
  },
});
