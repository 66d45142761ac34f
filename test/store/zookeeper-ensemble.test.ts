// Member loss on a 3-node ZooKeeper ensemble (test/harness startZooKeeperEnsemble).
import { after, before } from 'node:test';
import { ZooKeeperStore } from '../../lib/store/zookeeper-store.js';
import { startZooKeeperEnsemble, type ZooKeeperEnsemble } from '../harness/index.js';
import { memberLossConformance } from './member-loss.js';

const OP_TIMEOUT_MS = 2000;
let ensemble: ZooKeeperEnsemble;

before(async () => {
  ensemble = await startZooKeeperEnsemble();
});
after(async () => {
  await ensemble?.stop();
});

memberLossConformance('zookeeper', {
  cluster: {
    size: 3,
    kill: (i) => ensemble.kill(i),
    start: (i) => ensemble.start(i),
    pause: (i) => ensemble.pause(i),
    resume: (i) => ensemble.resume(i),
    leader: () => ensemble.leader(),
    healthy: () => ensemble.healthy(),
  },
  // A session outlives an election and a short quorum loss (the ensemble allows up to 30 s).
  make: () => ZooKeeperStore.connect({ backend: 'zookeeper', connectString: ensemble.connectString, sessionTimeoutMs: 8000 }, undefined, { opTimeoutMs: OP_TIMEOUT_MS }),
  // syncLimit 5 × tickTime 200 ms: followers give up on a silent leader after about 1 s.
  pauseMs: 2500,
  unavailableWithinMs: OP_TIMEOUT_MS * 3,
  stepWithinMs: OP_TIMEOUT_MS * 4,
});
