/**
 * @packageDocumentation
 * Rendezvous (highest-random-weight) placement of chunks on holders.
 */

export { bucketFits, bucketMinFreeBytes, capacityBucket, MAX_CAPACITY_BUCKET } from './capacity.js'
export { type Candidate, type Placement, REPLICAS, rankHolders, rendezvousScore, selectHolders } from './rendezvous.js'
