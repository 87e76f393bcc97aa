//! The hand-written part of the demo library: public-domain books with real passages, and
//! every case a real `KoboReader.sqlite` can hold.

use super::{
    firmware,
    writer::{Item, LibraryWriter, Mark, SectionStyle, Thumbnail},
};

type Write = fn(&mut LibraryWriter) -> rusqlite::Result<()>;

/// The page and strokes of the demo's handwritten markup, as a colour device uploads them.
const MARKUP_PAGE: &[u8] = include_bytes!("markup-page.jpg");
const MARKUP_STROKES: &[u8] = include_bytes!("markup-strokes.svg");

/// Cover thumbnails as a device keeps them: a book opened once has the full-screen `N3_FULL`
/// too; one only seen in the library grid has just `N3_LIBRARY_GRID`. Books without any get a
/// cover drawn by the server.
const WAR_AND_PEACE_COVER: &[Thumbnail] = &[
    ("N3_FULL", include_bytes!("covers/war-and-peace-full.jpg")),
    ("N3_LIBRARY_FULL", include_bytes!("covers/war-and-peace-library-full.jpg")),
    ("N3_LIBRARY_GRID", include_bytes!("covers/war-and-peace-library-grid.jpg")),
];
const PRIDE_AND_PREJUDICE_COVER: &[Thumbnail] = &[
    ("N3_LIBRARY_FULL", include_bytes!("covers/pride-and-prejudice-library-full.jpg")),
    ("N3_LIBRARY_GRID", include_bytes!("covers/pride-and-prejudice-library-grid.jpg")),
];
const CRIME_AND_PUNISHMENT_COVER: &[Thumbnail] =
    &[("N3_LIBRARY_GRID", include_bytes!("covers/crime-and-punishment-library-grid.jpg"))];

const ITEMS: [Write; 20] = [
    war_and_peace,
    pride_and_prejudice_store,
    pride_and_prejudice_sideloaded,
    the_idiot_sideloaded,
    orphaned_annotations,
    moby_dick,
    les_miserables,
    crime_and_punishment,
    arabian_nights,
    hostile_text,
    odd_content_id,
    article_instapaper,
    article_pocket,
    pdf,
    notebook,
    other_file,
    untitled,
    firmware::age_of_innocence,
    firmware::meditations,
    firmware::odyssey,
];

/// Number of curated items.
pub const COUNT: usize = ITEMS.len();

/// Writes the first `limit` curated items and the collections.
pub fn write(writer: &mut LibraryWriter, limit: usize) -> rusqlite::Result<()> {
    ITEMS.iter().take(limit).try_for_each(|write| write(writer))?;
    collections(writer)
}

/// Collections as a device keeps them: one over both copies of a book (shown once), one the
/// reader deleted (`_IsDeleted = 'true'`, kept by the device), a book taken out of a collection
/// (its `ShelfContent` row deleted), a hostile name, and the system `ReadingList`.
fn collections(w: &mut LibraryWriter) -> rusqlite::Result<()> {
    w.collection("Russian Classics", &[WAR_AND_PEACE_ID, THE_IDIOT_ID, CRIME_AND_PUNISHMENT_ID], false, false)?;
    w.collection("To Reread", &[WAR_AND_PEACE_ID, MOBY_DICK_ID], false, false)?;
    w.shelve("To Reread", LES_MISERABLES_ID, true)?;
    w.collection("Summer 2024", &[PRIDE_STORE_ID, PRIDE_SIDELOADED_ID], false, false)?;
    w.collection("<b>Tags</b> & \"Quotes\"", &[HOSTILE_TEXT_ID], false, false)?;
    w.collection("Old Shelf", &[LES_MISERABLES_ID], true, false)?;
    w.collection("ReadingList", &[SLOW_READING_ID], false, true)
}

/// ContentID of the demo's War and Peace, which tests look up.
pub const WAR_AND_PEACE_ID: &str = "file:///mnt/onboard/Tolstoy, Leo/War and Peace - Leo Tolstoy.kepub.epub";

fn highlight<'a>(text: &'a str, color: i64, created: &'a str, progress: f64) -> Mark<'a> {
    Mark { text: Some(text), color: Some(color), created, progress, ..Mark::default() }
}

fn note<'a>(text: &'a str, note: &'a str, color: i64, created: &'a str, progress: f64) -> Mark<'a> {
    Mark {
        kind: Some("note"),
        text: Some(text),
        note: Some(note),
        color: Some(color),
        created,
        progress,
        ..Mark::default()
    }
}

fn war_and_peace(w: &mut LibraryWriter) -> rusqlite::Result<()> {
    let id = WAR_AND_PEACE_ID;
    w.item(&Item {
        id,
        title: Some("War and Peace"),
        author: Some("Leo Tolstoy"),
        mime: "application/x-kobo-epub+zip",
        percent: 63,
        status: 1,
        last_read: Some("2026-11-20T21:14:03.000"),
        date_added: Some("2025-01-05T10:00:00Z"),
        description: Some("<p>Tolstoy&rsquo;s epic of Russia during the <b>Napoleonic wars</b>.</p><p>Translated by Louise and Aylmer Maude.</p>"),
        publisher: Some("Project Gutenberg"),
        language: Some("en"),
        isbn: Some("9780199232765"),
        time_spent_secs: 98_400,
        thumbnails: WAR_AND_PEACE_COVER,
        ..Item::default()
    })?;
    // A week of evenings (one skipped), as `LeaveContent` sessions; the rest of its 98,400 s
    // predates them (the device had sent older events to the Kobo cloud).
    for (day, seconds) in [(14, 1_800), (15, 2_700), (16, 900), (18, 3_600), (19, 1_200), (20, 2_400)] {
        w.reading_session(id, &format!("2026-11-{day}T21:14:03.000+00:00"), seconds)?;
    }
    let one = w.chapter(id, SectionStyle::Kepub, 1, Some("Book One: 1805"), 1)?;
    let two = w.chapter(id, SectionStyle::Kepub, 2, Some("Book Two: 1805"), 3)?;
    let three = w.chapter(id, SectionStyle::Kepub, 3, None, 1)?;
    let epilogue = w.chapter(id, SectionStyle::Kepub, 4, Some("First Epilogue: 1813 – 20"), 1)?;
    w.mark(
        id,
        &one[0],
        &highlight(
            "Well, Prince, so Genoa and Lucca are now just family estates of the Buonapartes.",
            0,
            "2025-01-06T20:01:00.000",
            0.01,
        ),
    )?;
    w.mark(
        id,
        &one[0],
        &note(
            "We can know only that we know nothing. And that is the highest degree of human wisdom.",
            "Compare with Socrates — and with Montaigne's « Que sais-je ? » 🤔",
            1,
            "2025-01-09 21:40:12.000+00:00",
            0.62,
        ),
    )?;
    w.mark(
        id,
        &two[1],
        &highlight("The strongest of all warriors are these two — Time and Patience.", 2, "2025-02-01T08:30:00Z", 0.4),
    )?;
    w.mark(
        id,
        &two[0],
        &highlight(
            "If everyone fought for their own convictions there would be no war.",
            3,
            "2025-01-28T19:02:44.000",
            0.2,
        ),
    )?;
    w.mark(
        id,
        &two[2],
        &Mark {
            kind: None,
            text: Some("Nothing is so necessary for a young man as the company of intelligent women."),
            color: None,
            created: "2025-02-03T07:00:00.000",
            progress: 0.9,
            ..Mark::default()
        },
    )?;
    w.mark(
        id,
        &two[2],
        &Mark { text: Some("This highlight was deleted on the device."), hidden: true, ..Mark::default() },
    )?;
    w.mark(id, &two[2], &Mark { kind: Some("dogear"), text: None, ..Mark::default() })?;
    w.mark(
        id,
        &three[0],
        &highlight("Everything comes in time to him who knows how to wait.", 0, "2025-03-11T22:10:00.000", 0.5),
    )?;
    let markup = w.mark(
        id,
        &epilogue[0],
        &Mark {
            kind: Some("markup"),
            text: None,
            color: None,
            created: "2025-04-02T09:12:00.000",
            progress: 0.3,
            ..Mark::default()
        },
    )?;
    w.side_file(format!("markups/{markup}.jpg"), MARKUP_PAGE);
    w.side_file(format!("markups/{markup}.svg"), MARKUP_STROKES);
    w.mark(
        id,
        &epilogue[0],
        &highlight(
            "Pure and complete sorrow is as impossible as pure and complete joy.",
            7,
            "2025-04-02T09:15:00.000",
            0.7,
        ),
    )?;
    Ok(())
}

/// ContentID of the demo's store copy of Pride and Prejudice (a kepub, its id a UUID).
pub const PRIDE_STORE_ID: &str = "8f3c2a4e-1d2b-4c5a-9e7f-0a1b2c3d4e5f";

fn pride_and_prejudice_store(w: &mut LibraryWriter) -> rusqlite::Result<()> {
    let id = PRIDE_STORE_ID;
    w.item(&Item {
        id,
        title: Some("Pride and Prejudice"),
        author: Some("Jane Austen"),
        mime: "application/x-kobo-epub+zip",
        percent: 100,
        status: 2,
        last_read: Some("2024-08-30T18:00:00Z"),
        date_added: Some("2024-07-01T09:00:00.000"),
        publisher: Some("Kobo Classics"),
        series: Some("Kobo Classics"),
        series_number: Some("4"),
        language: Some("en"),
        time_spent_secs: 41_000,
        thumbnails: PRIDE_AND_PREJUDICE_COVER,
        ..Item::default()
    })?;
    let one = w.chapter(id, SectionStyle::Store, 1, Some("Chapter 1"), 1)?;
    let six = w.chapter(id, SectionStyle::Store, 6, Some("Chapter 6"), 1)?;
    w.mark(id, &one[0], &highlight("It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.", 0, "2024-07-02T21:00:00.000", 0.0))?;
    w.mark(
        id,
        &six[0],
        &note(
            "I declare after all there is no enjoyment like reading!",
            "Caroline Bingley, not meaning a word of it.",
            3,
            "2024-07-10T22:31:00Z",
            0.5,
        ),
    )
    .map(drop)
}

/// ContentID of the demo's sideloaded copy of the same book (an EPUB without ISBN).
pub const PRIDE_SIDELOADED_ID: &str = "file:///mnt/onboard/Austen, Jane/Pride and Prejudice.epub";

fn pride_and_prejudice_sideloaded(w: &mut LibraryWriter) -> rusqlite::Result<()> {
    let id = PRIDE_SIDELOADED_ID;
    w.item(&Item {
        id,
        title: Some("Pride and Prejudice"),
        author: Some("Jane Austen"),
        mime: "application/epub+zip",
        percent: 12,
        status: 1,
        last_read: Some("2024-06-01T10:00:00.000"),
        ..Item::default()
    })?;
    let one = w.chapter(id, SectionStyle::Epub, 3, Some("Chapter 3"), 1)?;
    w.mark(
        id,
        &one[0],
        &highlight("She is tolerable; but not handsome enough to tempt me.", 1, "2024-06-01T10:05:00.000", 0.4),
    )
    .map(drop)
}

/// ContentID of the demo's sideloaded epub (no `899` rows: titled `9` rows are its contents).
pub const THE_IDIOT_ID: &str = "file:///mnt/onboard/Dostoyevski/Budala - Dostoyevski.epub";

/// A sideloaded epub as Calibre users have them: chapters from titled `9` rows, a chapter split
/// over two files, a grey highlight from a greyscale device (colour 4: no colour), an annotation
/// whose section id matches no row (firmware 175 and later), and one deleted on the device.
fn the_idiot_sideloaded(w: &mut LibraryWriter) -> rusqlite::Result<()> {
    let id = THE_IDIOT_ID;
    w.item(&Item {
        id,
        title: Some("Budala"),
        author: Some("Fyodor Dostoyevski"),
        mime: "application/epub+zip",
        percent: 27,
        status: 1,
        last_read: Some("2026-11-12T20:30:00.000"),
        language: Some("tr"),
        // Long enough to be folded on the book page.
        description: Some("<p>Prens Lev Nikolayeviç Mışkin, yıllarını İsviçre'de bir sanatoryumda geçirdikten sonra Petersburg'a döner. Trende tanıştığı Rogojin ve güzelliğiyle herkesi büyüleyen Nastasya Filippovna ile yolları kesişir; saflığı ve iyiliği yüzünden çevresindekiler ona \"budala\" der.</p><p>Dostoyevski bu romanda \"olumlu, güzel bir insan\" çizmeye çalışır ve böyle bir insanın kibir, para ve tutku dolu bir toplumda nasıl yaşayabileceğini sorar. Aglaya Yepançina, General Yepançin'in ailesi ve Petersburg sosyetesinin renkli kişileri arasında Mışkin'in iyiliği hem bir ışık hem de bir trajedi olur.</p>"),
        // Calibre puts the book's UUID where a store book has its ISBN.
        isbn: Some("5b0d6e0a-3a55-4d8e-a1f1-2c9b7f3c8e11"),
        ..Item::default()
    })?;
    w.chapter(id, SectionStyle::Epub, 0, None, 1)?;
    let one = w.chapter(id, SectionStyle::Epub, 1, Some("I"), 2)?;
    let two = w.chapter(id, SectionStyle::Epub, 2, Some("II"), 1)?;
    w.mark(id, &two[0], &highlight("Güzellik dünyayı kurtaracak.", 4, "2026-11-12T20:10:00.000", 0.5))?;
    w.mark(
        id,
        &one[1],
        &highlight(
            "Bir insanı öldürmek için öldürmek, cinayetten daha büyük bir cezadır.",
            0,
            "2026-11-10T21:00:00.000",
            0.2,
        ),
    )?;
    w.mark(
        id,
        &one[0],
        &note("Prens Mışkin trende Rogojin ile tanışır.", "İlk karşılaşma.", 2, "2026-11-10T20:00:00.000", 0.1),
    )?;
    let new_firmware_section = one[0].split_once(")").map_or(one[0].as_str(), |(_, path)| path).to_string();
    w.mark(
        id,
        &new_firmware_section,
        &highlight("Merhamet, insan varlığının en önemli yasasıdır.", 3, "2026-11-11T08:00:00.000", 0.6),
    )?;
    w.mark(id, &two[0], &Mark { hidden: true, ..highlight("Silinmiş bir vurgu.", 1, "2026-11-12T20:20:00.000", 0.7) })
        .map(drop)
}

/// Annotations of a book whose `content` rows are gone (removed from the device): still shown,
/// named after the file.
fn orphaned_annotations(w: &mut LibraryWriter) -> rusqlite::Result<()> {
    let book = "file:///mnt/onboard/Removed/The Vanished Chapter - A. Nonymous.kepub.epub";
    let section = "/mnt/onboard/Removed/The Vanished Chapter - A. Nonymous.kepub.epub!!OEBPS/Text/part0002.xhtml";
    w.mark(
        book,
        section,
        &highlight("What is written in the margin outlives the book.", 0, "2025-05-05T05:05:05.000", 0.5),
    )
    .map(drop)
}

const MOBY_DICK_ID: &str = "file:///mnt/onboard/Melville, Herman/Moby-Dick.kepub.epub";

fn moby_dick(w: &mut LibraryWriter) -> rusqlite::Result<()> {
    let id = MOBY_DICK_ID;
    w.item(&Item {
        id,
        title: Some("Moby-Dick; or, The Whale"),
        author: Some("Herman Melville"),
        mime: "application/x-kobo-kepub+zip",
        percent: 5,
        status: 1,
        last_read: Some("2026-10-02 07:45:00.000+00:00"),
        language: Some("en"),
        ..Item::default()
    })?;
    let one = w.chapter(id, SectionStyle::Kepub, 1, Some("Chapter 1. Loomings."), 1)?;
    let long_note = "A very long note. ".repeat(600);
    w.mark(id, &one[0], &note("Call me Ishmael.", &long_note, 2, "2026-10-02T07:40:00.000", 0.0)).map(drop)
}

const LES_MISERABLES_ID: &str = "file:///mnt/onboard/Hugo, Victor/Les Misérables – Tome I.kepub.epub";

fn les_miserables(w: &mut LibraryWriter) -> rusqlite::Result<()> {
    let id = LES_MISERABLES_ID;
    w.item(&Item {
        id,
        title: Some("Les Misérables – Tome I : Fantine"),
        author: Some("Victor Hugo"),
        mime: "application/x-kobo-epub+zip",
        percent: 34,
        status: 1,
        last_read: Some("2026-03-14T12:00:00.000"),
        series: Some("Les Misérables"),
        series_number: Some("1"),
        language: Some("fr"),
        ..Item::default()
    })?;
    let one = w.chapter(id, SectionStyle::Kepub, 1, Some("Livre premier — Un juste"), 1)?;
    w.mark(
        id,
        &one[0],
        &highlight(
            "Même la nuit la plus sombre prendra fin et le soleil se lèvera.",
            2,
            "2026-03-14T11:50:00.000",
            0.8,
        ),
    )
    .map(drop)
}

const CRIME_AND_PUNISHMENT_ID: &str = "a1b2c3d4-0000-4000-8000-0000000c4a1e";

fn crime_and_punishment(w: &mut LibraryWriter) -> rusqlite::Result<()> {
    let id = CRIME_AND_PUNISHMENT_ID;
    w.item(&Item {
        id,
        title: Some("罪と罰"),
        author: Some("フョードル・ドストエフスキー"),
        mime: "application/x-kobo-epub+zip",
        percent: 48,
        status: 1,
        last_read: Some("2026-09-09T23:59:59Z"),
        language: Some("ja"),
        thumbnails: CRIME_AND_PUNISHMENT_COVER,
        ..Item::default()
    })?;
    let one = w.chapter(id, SectionStyle::Store, 1, Some("第一部"), 1)?;
    w.mark(
        id,
        &one[0],
        &note(
            "苦しみと悩みは、偉大な自覚と深い心情の持ち主にとって、常に必然的なものである。",
            "大事な一文。",
            0,
            "2026-09-09T23:50:00Z",
            0.3,
        ),
    )
    .map(drop)
}

fn arabian_nights(w: &mut LibraryWriter) -> rusqlite::Result<()> {
    let id = "file:///mnt/onboard/ألف ليلة وليلة.kepub.epub";
    w.item(&Item {
        id,
        title: Some("ألف ليلة وليلة"),
        author: Some("مجهول"),
        mime: "application/x-kobo-epub+zip",
        percent: 0,
        status: 0,
        language: Some("ar"),
        ..Item::default()
    })
}

/// Text that would run if it reached the page as HTML; it must show as text.
/// ContentID of the book whose every text would run as HTML if it were not escaped.
pub const HOSTILE_TEXT_ID: &str = "file:///mnt/onboard/Security/Escaping <Everything>.kepub.epub";

fn hostile_text(w: &mut LibraryWriter) -> rusqlite::Result<()> {
    let id = HOSTILE_TEXT_ID;
    w.item(&Item {
        id,
        title: Some("Escaping <Everything> & Other \"Stories\""),
        author: Some("O'Brien <script>window.__kobo_pwned = 'author'</script>"),
        mime: "application/x-kobo-epub+zip",
        percent: 10,
        status: 1,
        last_read: Some("2026-11-01T10:00:00.000"),
        description: Some("<script>window.__kobo_pwned = 'description'</script><p>A book about <i>escaping</i>.</p>"),
        ..Item::default()
    })?;
    let one =
        w.chapter(id, SectionStyle::Kepub, 1, Some("<img src=x onerror=\"window.__kobo_pwned='chapter'\">"), 1)?;
    w.mark(
        id,
        &one[0],
        &highlight("<script>window.__kobo_pwned = 'highlight'</script>", 1, "2026-11-01T10:01:00.000", 0.1),
    )?;
    w.mark(
        id,
        &one[0],
        &note(
            "Ampersands & angle brackets <b>stay</b> text.",
            "<img src=x onerror=\"window.__kobo_pwned='note'\"> & \"quotes\"",
            2,
            "2026-11-01T10:02:00.000",
            0.2,
        ),
    )?;
    // A markup whose files never reached the bucket: the page shows a placeholder.
    w.mark(
        id,
        &one[0],
        &Mark {
            kind: Some("markup"),
            text: None,
            created: "2026-11-01T10:03:00.000",
            progress: 0.3,
            ..Mark::default()
        },
    )
    .map(drop)
}

/// A ContentID with every character a URL treats specially.
fn odd_content_id(w: &mut LibraryWriter) -> rusqlite::Result<()> {
    let id = "file:///mnt/onboard/Odd/a b#c?d%41e&f=g+h/../Ünïcødé ✓.kepub.epub";
    w.item(&Item {
        id,
        title: Some("A Book With an Odd Path"),
        author: Some("Anonymous"),
        mime: "application/x-kobo-epub+zip",
        percent: 1,
        status: 1,
        last_read: Some("2023-05-05T05:05:05.000"),
        ..Item::default()
    })?;
    let one = w.chapter(id, SectionStyle::Kepub, 1, Some("Only Chapter"), 1)?;
    w.mark(
        id,
        &one[0],
        &highlight("Paths with # and ? and % survive the round trip.", 3, "2023-05-05T05:06:00.000", 0.5),
    )
    .map(drop)
}

const SLOW_READING_ID: &str = "https://example.org/essays/the-slow-reading-movement";

fn article_instapaper(w: &mut LibraryWriter) -> rusqlite::Result<()> {
    let id = SLOW_READING_ID;
    w.item(&Item {
        id,
        title: Some("The Slow Reading Movement"),
        author: Some("Example Review"),
        mime: "application/x-kobo-html+instapaper",
        percent: 100,
        status: 2,
        last_read: Some("2026-11-18T07:30:00.000"),
        ..Item::default()
    })?;
    let body = w.chapter(id, SectionStyle::Kepub, 1, None, 1)?;
    w.mark(
        id,
        &body[0],
        &highlight(
            "Reading slowly is not reading less; it is reading more of each page.",
            0,
            "2026-11-18T07:20:00.000",
            0.3,
        ),
    )?;
    w.mark(
        id,
        &body[0],
        &highlight("Attention is the rarest and purest form of generosity.", 2, "2026-11-18T07:25:00.000", 0.7),
    )
    .map(drop)
}

fn article_pocket(w: &mut LibraryWriter) -> rusqlite::Result<()> {
    w.item(&Item {
        id: "https://example.com/2026/why-we-underline",
        title: Some("Why We Underline"),
        author: Some("Field Notes Quarterly"),
        mime: "application/x-kobo-html+pocket",
        percent: 40,
        status: 1,
        last_read: Some("2026-07-07T07:07:07Z"),
        ..Item::default()
    })
}

fn pdf(w: &mut LibraryWriter) -> rusqlite::Result<()> {
    let id = "file:///mnt/onboard/Guides/Field Guide to Mushrooms.pdf";
    w.item(&Item {
        id,
        title: Some("Field Guide to Mushrooms"),
        author: None,
        mime: "application/pdf",
        percent: 22,
        status: 1,
        last_read: Some("2025-10-10T10:10:10.000"),
        ..Item::default()
    })?;
    let page = w.chapter(id, SectionStyle::Kepub, 1, None, 1)?;
    w.mark(
        id,
        &page[0],
        &highlight("Never eat a mushroom you cannot identify with certainty.", 1, "2025-10-10T10:11:00.000", 0.5),
    )
    .map(drop)
}

fn notebook(w: &mut LibraryWriter) -> rusqlite::Result<()> {
    w.item(&Item {
        id: "d3adbeef-0000-4000-8000-00000000n0te",
        title: Some("Ideas for the Garden"),
        mime: "application/vnd.myscript.nebo+raw",
        last_read: Some("2026-04-04T04:04:04.000"),
        ..Item::default()
    })
}

fn other_file(w: &mut LibraryWriter) -> rusqlite::Result<()> {
    w.item(&Item {
        id: "file:///mnt/onboard/Scans/scan-2024-05-01.png",
        title: Some("Scan 2024-05-01"),
        mime: "image/png",
        ..Item::default()
    })
}

/// No title at all: the list shows its file name.
fn untitled(w: &mut LibraryWriter) -> rusqlite::Result<()> {
    w.item(&Item {
        id: "file:///mnt/onboard/Drafts/Untitled Draft.epub",
        title: None,
        mime: "application/epub+zip",
        ..Item::default()
    })
}
