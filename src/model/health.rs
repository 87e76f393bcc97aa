//! The account of how the device file's annotations were placed: the "Library health" page.

use serde::{Deserialize, Serialize};

/// The rule of the resolution chain that found an annotation's section file (tried in this
/// order; see `server/kobo/chapters`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SectionRule {
    Exact,
    WithoutAnchor,
    DotSegments,
    BookPrefix,
    PathSuffix,
    VolumeIndex,
}

impl SectionRule {
    pub const ALL: [SectionRule; 6] = [
        SectionRule::Exact,
        SectionRule::WithoutAnchor,
        SectionRule::DotSegments,
        SectionRule::BookPrefix,
        SectionRule::PathSuffix,
        SectionRule::VolumeIndex,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SectionRule::Exact => "the section's id, as it is",
            SectionRule::WithoutAnchor => "the id without an anchor no row has",
            SectionRule::DotSegments => "the path with . and .. resolved",
            SectionRule::BookPrefix => "the bare path under the book's prefix",
            SectionRule::PathSuffix => "the end of the path among the book's sections",
            SectionRule::VolumeIndex => "the section number #(N) alone",
        }
    }
}

/// How the chapter was chosen inside the section file found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChapterRule {
    Anchor,
    OnlyEntry,
    FileEntry,
    Position,
    Continued,
}

impl ChapterRule {
    pub const ALL: [ChapterRule; 5] = [
        ChapterRule::Anchor,
        ChapterRule::OnlyEntry,
        ChapterRule::FileEntry,
        ChapterRule::Position,
        ChapterRule::Continued,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ChapterRule::Anchor => "the entry its anchor names",
            ChapterRule::OnlyEntry => "the file's only entry",
            ChapterRule::FileEntry => "the file's own entry (no anchor)",
            ChapterRule::Position => "its position among the file's chapters",
            ChapterRule::Continued => "the last chapter of the file a split part continues",
        }
    }
}

/// Why an annotation of the device file has no chapter on its book page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unplaced {
    /// Its `VolumeID` names no book row (a book removed from the device).
    NoBookRow,
    /// No rule of the chain finds its section among the book's.
    NoSection,
    /// Its section has no table-of-contents entry (or the book has none).
    NoChapter,
}

impl Unplaced {
    pub fn label(self) -> &'static str {
        match self {
            Unplaced::NoBookRow => "no book row",
            Unplaced::NoSection => "no section matches its id",
            Unplaced::NoChapter => "its section has no chapter",
        }
    }
}

/// An annotation shown without a chapter, with its ids as the file holds them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnplacedAnnotation {
    pub bookmark_id: String,
    pub volume_id: String,
    pub section_id: String,
    pub text: Option<String>,
    pub reason: Unplaced,
}

/// How one version of the device file's annotations were placed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlacementReport {
    /// `DbVersion.version`, when the file has it.
    pub db_version: Option<String>,
    pub annotations: usize,
    /// Annotations whose section each rule found, in the chain's order.
    pub by_section_rule: Vec<(SectionRule, usize)>,
    pub by_chapter_rule: Vec<(ChapterRule, usize)>,
    pub unplaced: Vec<UnplacedAnnotation>,
}
