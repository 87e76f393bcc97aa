//! The account of how the device file's annotations were placed: the "Library health" page.

use serde::{Deserialize, Serialize};

/// An annotation shown without a chapter, with its ids as the file holds them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnplacedAnnotation {
    pub bookmark_id: String,
    pub volume_id: String,
    pub section_id: String,
    pub text: Option<String>,
    /// Why it has no chapter, in words.
    pub reason: String,
}

/// How one version of the device file's annotations were placed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlacementReport {
    /// The device whose file it is, where the library has several.
    #[serde(default)]
    pub device: Option<String>,
    /// `DbVersion.version`, when the file has it.
    pub db_version: Option<String>,
    pub annotations: usize,
    /// How many annotations each rule of the chain placed, in the chain's order: what the
    /// rule does, in words, and the count.
    pub by_section_rule: Vec<(String, usize)>,
    pub by_chapter_rule: Vec<(String, usize)>,
    pub unplaced: Vec<UnplacedAnnotation>,
}
