import type { AbTestDefinition, SegmentDefinition } from '../domain/segment.js';

/** A saved audience expression of one app. */
export interface SegmentRecord {
  appKey: string;
  id: string;
  name: string;
  definition: SegmentDefinition;
  createdAt: number;
  updatedAt: number;
}

/** An A/B test of one app: an audience split into named groups. */
export interface AbTestRecord {
  appKey: string;
  id: string;
  name: string;
  definition: AbTestDefinition;
  createdAt: number;
}

export interface SegmentStore {
  createSegment(record: SegmentRecord): Promise<void>;
  /** Replaces a segment's name and definition; false when the app has no such segment. */
  updateSegment(appKey: string, id: string, name: string, definition: SegmentDefinition, at: number): Promise<boolean>;
  getSegment(appKey: string, id: string): Promise<SegmentRecord | undefined>;
  listSegments(appKey: string): Promise<SegmentRecord[]>;
  deleteSegment(appKey: string, id: string): Promise<boolean>;
  createAbTest(record: AbTestRecord): Promise<void>;
  getAbTest(appKey: string, id: string): Promise<AbTestRecord | undefined>;
  listAbTests(appKey: string): Promise<AbTestRecord[]>;
  deleteAbTest(appKey: string, id: string): Promise<boolean>;
  /** A/B tests that split this segment (a segment in use is not deleted). */
  abTestsOfSegment(appKey: string, segmentId: string): Promise<string[]>;
  /** Device numbers of the app connected or disconnected at or after `since` (epoch ms). */
  activeSince(appKey: string, since: number): Promise<number[]>;
}
