//! One library view: every device's file at one version merged with the archive at one
//! generation. Every way of reading the library (pages, read API, exports, search, statistics)
//! reads it through a view, so they agree on which books exist and on every count:
//! - a book's `highlight_count` is its highlights and notes (never markups), those deleted on
//!   the device included; `deleted_on_device` is how many of them no device shows any more;
//! - a book no device has any more, whose annotations the archive keeps, is listed, marked
//!   `removed_from_device`, with all of them counted as deleted on the device;
//! - with several devices, one book on several is one entry (`merge`), and a retired device's
//!   books stay listed from the archive.

use super::{
    listing::Listing,
    merge::{Member, Merged, Merger},
    stats::{reading_stats, StatsSources, Tally},
    ShelfError,
};
use crate::{
    archive::{Archive, DeletedCount, HighlightCount},
    edits::AnnotationEdits,
    model::{
        BookDetail, BookSummary, Chapter, DeletionWave, DeviceStats, LibraryListing, LibraryQuery, LibrarySort,
        PlacementReport, ReadingStats,
    },
    search::{Passage, Passages},
};
use kobo_reader::{Books, Entry, Snapshot};
use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, OnceLock},
};

/// One device's file as a view shows it.
pub struct DeviceFile {
    /// The device's name in the settings and the archive.
    pub name: String,
    pub snapshot: Arc<Snapshot>,
}

/// A device file of the view, and whether the archive had taken in its version when the view
/// was made: then a book's annotations come from the archive's indexed tables, else from the
/// file.
struct ViewedFile {
    file: DeviceFile,
    ingested: bool,
}

pub struct LibraryView {
    /// The configured devices' current files, in the settings' order.
    files: Vec<ViewedFile>,
    /// More than one device (configured or retired): entries of several merge, and entries
    /// and annotations say which devices have them.
    several: bool,
    /// Every configured device had a file when the view was made.
    all_files: bool,
    /// What the sync badge compares: the one device's version, or each device's named.
    version: String,
    generation: i64,
    archive: Arc<Archive>,
    edits: Arc<AnnotationEdits>,
    listing: Listing,
    /// Any book id (a device copy's or an archived book's) → its entry's position in `listing`.
    by_id: HashMap<String, usize>,
    /// Where each entry's annotations come from, by position in `listing`.
    members: Vec<Vec<Member>>,
    /// Book ids (as ingested) with annotations deleted on the device.
    with_deleted: HashSet<String>,
    /// Books only the archive still knows, by id (a library of one device).
    removed: Vec<String>,
    /// The last ingested version deleted many annotations at once.
    deletion_wave: Option<DeletionWave>,
    stats: OnceLock<ReadingStats>,
}

impl LibraryView {
    /// Merges the current `files` of the `configured` devices (names in the settings' order)
    /// with what `archive` holds at `generation` (blocking: reads the archive).
    pub fn build(
        (files, configured): (Vec<DeviceFile>, &[String]),
        (archive, edits): (Arc<Archive>, Arc<AnnotationEdits>),
        generation: i64,
    ) -> Result<LibraryView, ShelfError> {
        let retired = archive.retired_devices(configured)?;
        let several = configured.len() > 1 || !retired.is_empty();
        let files = files
            .into_iter()
            .map(|file| Ok(ViewedFile { ingested: archive.has_ingested(&file.name, &file.snapshot.version)?, file }))
            .collect::<Result<Vec<_>, ShelfError>>()?;
        let deleted = archive.deleted_counts()?;
        let mut counts = BookCounts { archive: &archive, per_book: None };
        let (merged, removed) = merge_entries((&files, &retired, several), &deleted, &mut counts)?;
        let all_ingested = files.iter().all(|viewed| viewed.ingested);
        let (mut summaries, mut members, mut by_id) = (Vec::new(), Vec::new(), HashMap::new());
        for mut merged in merged {
            if merged.overlapping && all_ingested {
                counts.count(&mut merged.summary, &merged.ids)?;
            }
            by_id.extend(merged.ids.into_iter().map(|id| (id, summaries.len())));
            summaries.push(merged.summary);
            members.push(merged.members);
        }
        let devices: Vec<(String, bool)> = match several {
            true => configured
                .iter()
                .map(|name| (name.clone(), false))
                .chain(retired.into_iter().map(|name| (name, true)))
                .collect(),
            false => Vec::new(),
        };
        Ok(LibraryView {
            all_files: files.len() == configured.len(),
            version: served_version(configured, &files),
            files,
            several,
            generation,
            listing: Listing::new(summaries, &devices),
            by_id,
            members,
            with_deleted: deleted.into_keys().collect(),
            removed,
            deletion_wave: archive
                .last_deletion_wave(configured)?
                .map(|wave| DeletionWave { device: wave.device.filter(|_| several), ..wave }),
            archive,
            edits,
            stats: OnceLock::new(),
        })
    }

    /// The versions of the device files this view shows (what the sync badge compares).
    pub fn device_version(&self) -> &str {
        &self.version
    }

    /// Changes whenever what the view shows can: the device versions and archive generation.
    pub fn key(&self) -> String {
        format!("{}-g{}", self.version, self.generation)
    }

    /// Whether the view shows `files` and the archive at `generation` (the reader's edits are
    /// read as pages need them: an edit builds no new view).
    pub(super) fn is_for(&self, files: &[DeviceFile], generation: i64) -> bool {
        self.generation == generation
            && self.files.len() == files.len()
            && self.files.iter().zip(files).all(|(viewed, file)| Arc::ptr_eq(&viewed.file.snapshot, &file.snapshot))
    }

    /// Whether every configured device's file is in the view and the archive had taken in its
    /// version when the view was made: no sync under way will replace it with a larger view.
    pub fn is_whole(&self) -> bool {
        self.all_files && self.files.iter().all(|viewed| viewed.ingested)
    }

    /// Entries in the library, books removed from the device included.
    pub fn item_count(&self) -> usize {
        self.listing.len()
    }

    /// One page of the list, with the deletion wave of the last ingest, if it was one.
    pub fn page(&self, query: &LibraryQuery) -> LibraryListing {
        LibraryListing { deletion_wave: self.deletion_wave.clone(), ..self.listing.page(query) }
    }

    /// Sets each of `items`' favourite count (★ N) from the reader's edits as they are now.
    pub fn add_favourites(&self, items: &mut [BookSummary]) -> Result<(), ShelfError> {
        let mut per_entry: HashMap<&str, u32> = HashMap::new();
        for (book, count) in self.edits.favourites_per_book()? {
            if let Some(summary) = self.summary(&book) {
                *per_entry.entry(summary.id.as_str()).or_default() += count;
            }
        }
        for item in items {
            item.favourites = per_entry.get(item.id.as_str()).copied().unwrap_or(0);
        }
        Ok(())
    }

    /// Every entry matching `query`, unpaged.
    pub fn matching(&self, query: &LibraryQuery) -> Vec<&BookSummary> {
        self.listing.matching(query)
    }

    /// The entry of any book id (any copy's ContentID, or a removed book's).
    pub fn summary(&self, id: &str) -> Option<&BookSummary> {
        self.by_id.get(id).map(|&position| self.listing.at(position))
    }

    /// The entry of `id` and its cover's `ImageId`: the first device's that has one.
    pub fn cover_of(&self, id: &str) -> Option<(&BookSummary, Option<&str>)> {
        let summary = self.summary(id)?;
        let image = self.members[self.by_id[id]].iter().find_map(|member| match member {
            Member::OnDevice { file, id } => self.files[*file].file.snapshot.entry(id)?.image_id.as_deref(),
            Member::Archived { .. } => None,
        });
        Some((summary, image))
    }

    /// A book's page: what the devices say of it with every annotation the archive keeps.
    pub fn book(&self, id: &str) -> Result<BookDetail, ShelfError> {
        let position = *self.by_id.get(id).ok_or(ShelfError::NotFound)?;
        let mut book = self.merged_book(position)?;
        self.edits.add_to(&mut book)?;
        Ok(book)
    }

    /// The book at `position` of the list: its first member's page with every other member's
    /// annotations merged in, chapter by chapter.
    fn merged_book(&self, position: usize) -> Result<BookDetail, ShelfError> {
        let summary = self.listing.at(position);
        let (first, others) = self.members[position].split_first().expect("every entry has a member");
        let mut book = self.member_book(first, summary)?;
        for member in others {
            merge_chapters(&mut book.chapters, self.member_book(member, summary)?.chapters);
        }
        book.summary = summary.clone();
        Ok(book)
    }

    /// One member's page of the entry `summary`, its annotations marked with the device that
    /// shows (or showed) them when the library has several.
    fn member_book(&self, member: &Member, summary: &BookSummary) -> Result<BookDetail, ShelfError> {
        let (mut book, device, copies) = match member {
            Member::OnDevice { file, id } => {
                let viewed = &self.files[*file];
                let entry = viewed.file.snapshot.entry(id).ok_or(ShelfError::NotFound)?;
                let book = if viewed.ingested {
                    let mut book = BookDetail::from(viewed.file.snapshot.book_facts(entry)?);
                    self.archive.add_annotations(&mut book, &entry.copies)?;
                    book
                } else {
                    let mut book = BookDetail::from(viewed.file.snapshot.book(entry)?);
                    self.archive.add_deleted(&mut book, &entry.copies)?;
                    book
                };
                (book, Some(&viewed.file.name).filter(|_| viewed.ingested), &entry.copies[..])
            }
            Member::Archived { id, device } => {
                let mut book = BookDetail::from_summary(BookSummary { id: id.clone(), ..summary.clone() });
                self.archive.add_annotations(&mut book, std::slice::from_ref(id))?;
                (book, device.as_ref(), std::slice::from_ref(id))
            }
        };
        if self.several {
            self.mark_devices(&mut book, member, (device, copies))?;
        }
        Ok(book)
    }

    /// Names on each of `book`'s annotations the device of `member`, if it shows (or showed)
    /// it: the archive says which of `copies`' annotations `device` had; a file not yet
    /// ingested (`device` `None` for an on-device member) had all it gave.
    fn mark_devices(
        &self,
        book: &mut BookDetail,
        member: &Member,
        (device, copies): (Option<&String>, &[String]),
    ) -> Result<(), ShelfError> {
        let (name, shown) = match (member, device) {
            (_, Some(device)) => (device, Some(self.archive.shown_by(device, copies)?)),
            (Member::OnDevice { file, .. }, None) => (&self.files[*file].file.name, None),
            (Member::Archived { .. }, None) => return Ok(()),
        };
        for highlight in book.chapters.iter_mut().flat_map(|chapter| &mut chapter.highlights) {
            if shown.as_ref().is_none_or(|shown| shown.contains(&highlight.id)) {
                highlight.devices.push(name.clone());
            }
        }
        Ok(())
    }

    /// The annotation `bookmark_id` alone in its book: the book's entry and one chapter (its
    /// own) holding it, as the archive last took it in, with what the reader added on the web.
    /// Reads one annotation, not the book's thousands; [`ShelfError::NotFound`] for one the
    /// library does not have.
    pub fn annotation_in_book(&self, bookmark_id: &str) -> Result<BookDetail, ShelfError> {
        let found = self.archive.annotation(bookmark_id)?.ok_or(ShelfError::NotFound)?;
        let summary = self.summary(&found.book_id).ok_or(ShelfError::NotFound)?.clone();
        let mut book = BookDetail::from_summary(summary);
        book.chapters.push(Chapter { title: found.chapter, highlights: vec![found.highlight] });
        self.edits.add_to(&mut book)?;
        Ok(book)
    }

    /// Calls `each` with the page of every book that has annotations, live or deleted on the
    /// device, one at a time (memory holds one book), then the books removed from the device.
    /// A library of several devices gives its merged entries with highlights, in title order.
    pub fn for_each_book(&self, mut each: impl FnMut(&BookDetail) -> Result<(), ShelfError>) -> Result<(), ShelfError> {
        let Some(device) = self.only_file() else {
            return self.for_each_merged_book(|mut book| {
                self.edits.add_to(&mut book)?;
                each(&book)
            });
        };
        device.for_each_book(
            Books::WithAnnotationsAnd(&self.with_deleted),
            |book, copies| -> Result<(), ShelfError> {
                let mut book = BookDetail::from(book);
                // Only books the archive names are looked up: a query per book would read the
                // whole archive into its connection's cache.
                if copies.iter().any(|copy| self.with_deleted.contains(copy)) {
                    self.archive.add_deleted(&mut book, copies)?;
                }
                if let Some(summary) = self.summary(&book.summary.id) {
                    book.summary = summary.clone();
                }
                self.edits.add_to(&mut book)?;
                each(&book)
            },
        )?;
        self.removed.iter().try_for_each(|id| each(&self.book(id)?))
    }

    /// The one device's file, when the library has one device.
    fn only_file(&self) -> Option<&Snapshot> {
        (!self.several).then(|| self.files.first().map(|viewed| &*viewed.file.snapshot)).flatten()
    }

    /// Calls `each` with every merged entry that has annotations (highlights, or markups the
    /// archive holds), without the reader's edits, in title order, one at a time.
    fn for_each_merged_book(
        &self,
        mut each: impl FnMut(BookDetail) -> Result<(), ShelfError>,
    ) -> Result<(), ShelfError> {
        let in_archive = self.archive.annotated_books()?;
        for summary in self.listing.in_order(LibrarySort::Title) {
            let position = self.by_id[&summary.id];
            let annotated = summary.highlight_count > 0
                || self.members[position].iter().any(|member| in_archive.contains(member.id()));
            if annotated {
                each(self.merged_book(position)?)?;
            }
        }
        Ok(())
    }

    /// Every highlight and note (not markups) for the search index and the statistics, each
    /// once, under its list entry: each device file's, walked in one pass, then those only the
    /// archive keeps (deleted on every device; a retired device's, marked with its name).
    pub fn for_each_passage(&self, each: Passages<'_, ShelfError>) -> Result<(), ShelfError> {
        // With several devices one annotation can be on two (the same BookmarkID): given once.
        let mut seen: Option<HashSet<String>> = self.several.then(HashSet::new);
        let mut first_time =
            |passage: &Passage| seen.as_mut().is_none_or(|seen| seen.insert(passage.highlight.id.clone()));
        for viewed in &self.files {
            viewed.file.snapshot.for_each_book(Books::WithAnnotationsAnd(&HashSet::new()), |book, _| {
                let passages = passages_of(BookDetail::from(book)).map(|passage| self.under_entry(passage));
                passages.filter(&mut first_time).try_for_each(&mut *each)
            })?;
        }
        for passage in self.deleted_passages()? {
            if first_time(&passage) {
                each(self.under_entry(passage))?;
            }
        }
        for (position, members) in self.members.iter().enumerate() {
            let retired = members.iter().filter(|member| matches!(member, Member::Archived { device: Some(_), .. }));
            for member in retired {
                let mut book = self.member_book(member, self.listing.at(position))?;
                book.summary = self.listing.at(position).clone();
                passages_of(book).filter(&mut first_time).try_for_each(&mut *each)?;
            }
        }
        Ok(())
    }

    /// `passage` under its list entry's id, title and author.
    fn under_entry(&self, mut passage: Passage) -> Passage {
        if let Some(summary) = self.summary(&passage.book_id) {
            passage.book_id.clone_from(&summary.id);
            passage.book_title.clone_from(&summary.title);
            passage.author.clone_from(&summary.author);
        }
        passage
    }

    /// The highlights and notes the device deleted, as passages of their entries.
    fn deleted_passages(&self) -> Result<Vec<Passage>, ShelfError> {
        let deleted = self.archive.deleted_annotations()?;
        let passages =
            deleted.into_iter().filter(|annotation| !annotation.highlight.is_markup).filter_map(|annotation| {
                let summary = self.summary(&annotation.book_id)?;
                Some(Passage {
                    book_id: summary.id.clone(),
                    book_title: summary.title.clone(),
                    author: summary.author.clone(),
                    chapter: annotation.chapter,
                    highlight: annotation.highlight,
                })
            });
        Ok(passages.collect())
    }

    /// How each device file's annotations were placed, and which have no chapter (each report
    /// names its device where the library has several).
    pub fn placement_reports(&self) -> Result<Vec<PlacementReport>, ShelfError> {
        let report = |viewed: &ViewedFile| -> Result<PlacementReport, ShelfError> {
            let mut report = PlacementReport::from(viewed.file.snapshot.placement_report()?);
            report.device = self.several.then(|| viewed.file.name.clone());
            Ok(report)
        };
        self.files.iter().map(report).collect()
    }

    /// The statistics page's figures (computed once per view).
    pub fn stats(&self) -> Result<ReadingStats, ShelfError> {
        if let Some(stats) = self.stats.get() {
            return Ok(stats.clone());
        }
        let sources = StatsSources {
            files: self.files.iter().map(|viewed| &*viewed.file.snapshot).collect(),
            reading: self.archive.reading_history()?,
            entries: self.listing.in_order(LibrarySort::Title).collect(),
        };
        // What each device shows now, and what the archive keeps of each retired one.
        let mut per_device: HashMap<String, usize> = HashMap::new();
        for viewed in &self.files {
            let shown = viewed.file.snapshot.entries().map(|entry| entry.item.highlight_count as usize).sum();
            per_device.insert(viewed.file.name.clone(), shown);
        }
        let annotations = |tally: &mut Tally| -> Result<(), ShelfError> {
            let Some(device) = self.only_file() else {
                return self.for_each_passage(&mut |passage| {
                    let highlight = &passage.highlight;
                    tally.count(highlight.created.as_deref(), highlight.color, highlight.note.is_some());
                    for device in &highlight.devices {
                        *per_device.entry(device.clone()).or_default() += 1;
                    }
                    Ok(())
                });
            };
            device.for_each_counted_annotation(|annotation| {
                tally.count(annotation.created.as_deref(), annotation.color.into(), annotation.is_note)
            })?;
            self.deleted_passages()?.iter().for_each(|passage| {
                tally.count(
                    passage.highlight.created.as_deref(),
                    passage.highlight.color,
                    passage.highlight.note.is_some(),
                )
            });
            Ok(())
        };
        let mut stats = reading_stats(&sources, annotations, |id| self.summary(id))?;
        stats.per_device = self
            .listing
            .device_counts()
            .iter()
            .map(|count| DeviceStats {
                name: count.name.clone(),
                retired: count.retired,
                entries: count.entries,
                highlights: per_device.get(&count.name).copied().unwrap_or(0),
                reading_secs: sources.reading.per_device.get(&count.name).copied().unwrap_or(0),
            })
            .collect();
        Ok(self.stats.get_or_init(|| stats).clone())
    }
}

/// The versions `files` are at, as the sync status gives them (`model::devices`): the one
/// device's version, or each device's named, so the badge sees any device's swap.
fn served_version(configured: &[String], files: &[ViewedFile]) -> String {
    match configured {
        [_] => files.first().map(|viewed| viewed.file.snapshot.version.clone()).unwrap_or_default(),
        _ => {
            let each = files.iter().map(|viewed| format!("{}:{}", viewed.file.name, viewed.file.snapshot.version));
            each.collect::<Vec<_>>().join(",")
        }
    }
}

/// The list's entries over `files` (the devices' entries, merged when `several`), the books of
/// `retired` devices and the books removed from every device (whose ids come second).
fn merge_entries(
    (files, retired, several): (&[ViewedFile], &[String], bool),
    deleted: &HashMap<String, DeletedCount>,
    counts: &mut BookCounts<'_>,
) -> Result<(Vec<Merged>, Vec<String>), ShelfError> {
    let mut merger = Merger::new(several);
    for (index, viewed) in files.iter().enumerate() {
        for entry in viewed.file.snapshot.entries() {
            merger.add_device_entry((index, &viewed.file.name), entry, merged_summary(entry, deleted));
        }
    }
    let on_a_device = |id: &str| files.iter().any(|viewed| viewed.file.snapshot.entry(id).is_some());
    let mut archived: HashSet<String> = HashSet::new();
    // A retired device's book joins the entry of the same book on a current device (or on
    // another retired one: its annotations are the archive's under its own id), else is listed
    // alone.
    for device in retired {
        for id in counts.archive.books_of_device(device)? {
            if let Some(mut summary) = counts.archive.last_known(&id)? {
                counts.count(&mut summary, std::slice::from_ref(&id))?;
                merger.add_archived(summary, Some(device));
                archived.insert(id);
            }
        }
    }
    let mut removed = Vec::new();
    for (id, count) in deleted {
        if on_a_device(id) || archived.contains(id) {
            continue;
        }
        if let Some(mut summary) = counts.archive.last_known(id)? {
            (summary.highlight_count, summary.deleted_on_device) = (count.highlights, count.highlights);
            summary.removed_from_device = true;
            merger.add_archived(summary, None);
            removed.push(id.clone());
        }
    }
    removed.sort();
    Ok((merger.finish(), removed))
}

/// The archive's count of each book's annotations, read once (one scan of the archive) when
/// first needed: a book two devices share is counted by the archive, each annotation once.
struct BookCounts<'a> {
    archive: &'a Archive,
    per_book: Option<HashMap<String, HighlightCount>>,
}

impl BookCounts<'_> {
    /// Sets `summary`'s counts to the archive's over the books `ids`.
    fn count(&mut self, summary: &mut BookSummary, ids: &[String]) -> Result<(), ShelfError> {
        let per_book = match &mut self.per_book {
            Some(per_book) => per_book,
            empty => empty.insert(self.archive.highlight_counts()?),
        };
        let counted = ids.iter().filter_map(|id| per_book.get(id));
        (summary.highlight_count, summary.deleted_on_device) =
            counted.fold((0, 0), |(all, gone), count| (all + count.highlights, gone + count.deleted));
        Ok(())
    }
}

/// Adds `other`'s chapters to `chapters`: a chapter of the same title takes its annotations
/// (after its own), others are put after the chapter `other` had before them; an annotation
/// already there (one two devices show) gains the other's device names.
fn merge_chapters(chapters: &mut Vec<Chapter>, other: Vec<Chapter>) {
    let mut present: HashSet<String> =
        chapters.iter().flat_map(|chapter| &chapter.highlights).map(|highlight| highlight.id.clone()).collect();
    let mut after: Option<usize> = None;
    for chapter in other {
        let index = match chapters.iter().position(|known| known.title == chapter.title) {
            Some(index) => index,
            None => {
                let at = after.map_or(0, |index| index + 1);
                chapters.insert(at, Chapter { title: chapter.title, highlights: Vec::new() });
                at
            }
        };
        for highlight in chapter.highlights {
            if present.insert(highlight.id.clone()) {
                chapters[index].highlights.push(highlight);
                continue;
            }
            let mut known =
                chapters.iter_mut().flat_map(|chapter| &mut chapter.highlights).find(|h| h.id == highlight.id);
            for name in highlight.devices {
                if let Some(known) = known.as_deref_mut().filter(|known| !known.devices.contains(&name)) {
                    known.devices.push(name);
                }
            }
        }
        after = Some(index);
    }
}

/// A device entry with what the device deleted of it (over all its copies).
fn merged_summary(entry: &Entry, deleted: &HashMap<String, DeletedCount>) -> BookSummary {
    let gone: u32 = entry.copies.iter().filter_map(|copy| deleted.get(copy)).map(|count| count.highlights).sum();
    let mut summary = BookSummary::from(&entry.item);
    summary.highlight_count += gone;
    summary.deleted_on_device = gone;
    summary
}

/// The book's highlights and notes with their chapter (markups have no text and are left out).
fn passages_of(book: BookDetail) -> impl Iterator<Item = Passage> {
    let summary = book.summary;
    book.chapters.into_iter().flat_map(move |chapter| {
        let summary = summary.clone();
        chapter.highlights.into_iter().filter(|h| !h.is_markup).map(move |highlight| Passage {
            book_id: summary.id.clone(),
            book_title: summary.title.clone(),
            author: summary.author.clone(),
            chapter: chapter.title.clone(),
            highlight,
        })
    })
}
