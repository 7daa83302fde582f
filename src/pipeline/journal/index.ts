export { SegmentJournal } from './segment-journal.ts';
export type { AppendResult, FsyncPolicy, JournalHooks, JournalOptions, JournaledBatch, OpenResult, WhenFull } from './segment-journal.ts';
