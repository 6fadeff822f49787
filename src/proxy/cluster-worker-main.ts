/** Entry point of a cluster worker process (forked by cluster-primary.ts). */
import { runClusterWorker } from './cluster-worker.js';
import { limitHeapGrowth } from './heap-growth.js';

limitHeapGrowth();
runClusterWorker();
