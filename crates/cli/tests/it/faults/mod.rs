//! Faults a running paperboy survives, each made real: the database server restarted under
//! `serve`, the disk full in the middle of an ingest, a search index damaged on disk.

mod damaged_index;
mod disk_full;
mod postgres_restart;
