export { SegmentJournal } from './segment-journal.ts';
export type { AppendResult, FsyncPolicy, JournalHooks, JournalOptions, JournaledRef, OpenResult, WhenFull } from './segment-journal.ts';
