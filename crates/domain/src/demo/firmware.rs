//! Books as firmware 4.37 and later leaves them: annotations whose `Bookmark.ContentID` matches
//! no `content` row, one book per layout, every shape of `docs/kobo-formats.md` ("Section ids
//! of current firmware") with the rule that places it.

use super::writer::{Item, LibraryWriter, Mark};

fn highlight<'a>(text: &'a str, created: &'a str, progress: f64) -> Mark<'a> {
    Mark { text: Some(text), created, progress, ..Mark::default() }
}

/// ContentID of the store book whose first file holds three chapters (a Gutenberg book).
pub const AGE_OF_INNOCENCE_ID: &str = "5eca9f37-0c1e-4a5b-8d2f-0000000541aa";

/// A store kepub: one file `541-h-0.htm.xhtml` with chapters I–III (`899` rows `…-1`,
/// `…#pgepubid00005-2`, `…#pgepubid00009-2`), a second with IV. Annotations: the exact id; an
/// anchor no row has (without anchor); the server's `!!` form with an anchor (book prefix); a
/// bare path (book prefix).
pub fn age_of_innocence(w: &mut LibraryWriter) -> rusqlite::Result<()> {
    let id = AGE_OF_INNOCENCE_ID;
    w.item(&Item {
        id,
        title: Some("The Age of Innocence"),
        author: Some("Edith Wharton"),
        mime: "application/x-kobo-epub+zip",
        percent: 30,
        status: 1,
        last_read: Some("2026-10-25T21:00:00.000"),
        language: Some("en"),
        ..Item::default()
    })?;
    let first = format!("{id}!OEBPS!541-h-0.htm.xhtml");
    w.section_row(id, &first, "9", Some("541-h-0.htm.xhtml"), 0)?;
    w.section_row(id, &format!("{first}-1"), "899", Some("I"), 1)?;
    w.section_row(id, &format!("{first}#pgepubid00005-2"), "899", Some("II"), 2)?;
    w.section_row(id, &format!("{first}#pgepubid00009-2"), "899", Some("III"), 2)?;
    let second = format!("{id}!OEBPS!541-h-1.htm.xhtml");
    w.section_row(id, &second, "9", Some("541-h-1.htm.xhtml"), 0)?;
    w.section_row(id, &format!("{second}-1"), "899", Some("IV"), 1)?;
    let marks = [
        (first.clone(), "On a January evening of the early seventies, Christine Nilsson was singing in Faust at the Academy of Music in New York.", 0.1),
        (format!("{first}#pgepubid00005"), "It was generally agreed in New York that the Countess Olenska had lost her looks.", 0.4),
        (format!("{id}!!OEBPS/541-h-0.htm.xhtml#pgepubid00009"), "Each time you happen to me all over again.", 0.8),
        ("OEBPS/541-h-1.htm.xhtml".to_string(), "We can't behave like people in novels, though, can we?", 0.3),
    ];
    for (section, text, progress) in marks {
        w.mark(id, &section, &highlight(text, "2026-10-25T20:00:00.000", progress))?;
    }
    Ok(())
}

/// ContentID of the sideloaded kepub of current firmware.
pub const MEDITATIONS_ID: &str = "file:///mnt/onboard/Marcus Aurelius/Meditations.kepub.epub";

/// A sideloaded kepub: the exact id; `..` under the book's prefix (dot segments); a bare
/// lower-case path (book prefix); a path relative to the package folder (path suffix).
pub fn meditations(w: &mut LibraryWriter) -> rusqlite::Result<()> {
    let id = MEDITATIONS_ID;
    w.item(&Item {
        id,
        title: Some("Meditations"),
        author: Some("Marcus Aurelius"),
        mime: "application/x-kobo-epub+zip",
        percent: 55,
        status: 1,
        last_read: Some("2026-10-24T07:00:00.000"),
        language: Some("en"),
        ..Item::default()
    })?;
    let mut first_sections = Vec::new();
    for (number, title) in
        [(1, "The First Book"), (2, "The Second Book"), (3, "The Third Book"), (4, "The Fourth Book")]
    {
        first_sections.push(w.chapter(id, super::writer::SectionStyle::Kepub, number, Some(title), 1)?.remove(0));
    }
    let prefix = id.trim_start_matches("file://");
    let marks = [
        (first_sections[0].clone(), "From my grandfather Verus I learned good morals and the government of my temper.", 0.1),
        (format!("{prefix}!!OEBPS/../OEBPS/Text/part0002.xhtml"), "Begin the morning by saying to thyself, I shall meet with the busy-body, the ungrateful, arrogant, deceitful, envious, unsocial.", 0.05),
        ("oebps/text/part0003.xhtml".to_string(), "Short then is the time which every man lives, and small the nook of the earth where he lives.", 0.6),
        ("Text/part0004.xhtml".to_string(), "The universe is transformation: life is opinion.", 0.2),
    ];
    for (section, text, progress) in marks {
        w.mark(id, &section, &highlight(text, "2026-10-24T06:30:00.000", progress))?;
    }
    Ok(())
}

/// ContentID of the sideloaded epub of current firmware.
pub const ODYSSEY_ID: &str = "file:///mnt/onboard/Homer/The Odyssey.epub";

/// A sideloaded epub whose `books.xhtml` holds Books I and II (titled `9` rows `#(0)…#book-1`,
/// `#(1)…#book-2`): the exact id (anchor); a bare path without anchor (book prefix, by
/// position); `..` (dot segments); a firmware-175 id whose path matches nothing but whose
/// `#(2)` does (volume index); one that shares nothing with the book (no chapter).
pub fn odyssey(w: &mut LibraryWriter) -> rusqlite::Result<()> {
    let id = ODYSSEY_ID;
    w.item(&Item {
        id,
        title: Some("The Odyssey"),
        author: Some("Homer"),
        mime: "application/epub+zip",
        percent: 12,
        status: 1,
        last_read: Some("2026-10-23T22:00:00.000"),
        language: Some("en"),
        ..Item::default()
    })?;
    for (row, title) in [
        ("#(0)OEBPS/Text/books.xhtml#book-1", "Book I"),
        ("#(1)OEBPS/Text/books.xhtml#book-2", "Book II"),
        ("#(2)OEBPS/Text/book03.xhtml#toc-anchor-3", "Book III"),
    ] {
        w.section_row(id, &format!("{id}{row}"), "9", Some(title), 0)?;
    }
    let marks = [
        ("OEBPS/Text/books.xhtml".to_string(), "Tell me, O muse, of that ingenious hero who travelled far and wide after he had sacked the famous town of Troy.", 0.05),
        (format!("{id}#(1)OEBPS/Text/books.xhtml#book-2"), "Now when the child of morning, rosy-fingered Dawn, appeared, Telemachus rose and dressed himself.", 0.6),
        (format!("{id}#(2)OEBPS/Text/../Text/book03.xhtml#toc-anchor-3"), "But as the sun was rising from the fair sea into the firmament of heaven, they reached Pylos the city of Neleus.", 0.1),
        (format!("{id}#(2)OEBPS/Text/chapter-3.xhtml"), "There is a time for making speeches, and a time for going to bed.", 0.7),
        ("a7c3e1f0-9b2d-4e5f-8a6b-000000000175".to_string(), "See now, how men lay blame upon us gods for what is after all nothing but their own folly.", 0.5),
    ];
    for (section, text, progress) in marks {
        w.mark(id, &section, &highlight(text, "2026-10-23T21:00:00.000", progress))?;
    }
    Ok(())
}
