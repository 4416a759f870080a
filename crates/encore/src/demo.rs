//! `encore demo`: a music blog to look at on the first run — the series "Great Soundtracks of
//! 1985" with track listings, an embedded video, a download, a draft and a scheduled post.
//!
//! The titles and track names are facts about real records; the prose was written for Encore.

use crate::config::Config;
use anyhow::Context;
use bytes::Bytes;
use chrono::{DateTime, Duration, TimeZone, Utc};
use encore_app::{
    Actor, App, AppError,
    accounts::{add_user, set_role},
    downloads::add_download,
    posts::{PostDraft, Ref, create_post},
    sites::{SiteSettings, update_site},
    taxonomy::{ensure_category, ensure_series},
};
use encore_core::{
    account::{Account, NewAccount},
    ids::{CategoryId, DownloadId, SeriesId, SiteId},
    post::{PostKind, PostStatus},
    roles::Role,
    site::Site,
    tracks::{Track, parse_listing},
};

/// Title of the demo site (unless the configuration names one).
pub const SITE_TITLE: &str = "Cassette Diaries";
/// Tagline of the demo site (unless the configuration names one).
pub const SITE_TAGLINE: &str = "Soundtracks, B-sides and the stories behind them";
/// The demo's series.
pub const SERIES_TITLE: &str = "Great Soundtracks of 1985";

const ROCKY_IV_TRACKS: &str = "\
1. Survivor – Burning Heart
2. John Cafferty & The Beaver Brown Band – Hearts on Fire
3. Kenny Loggins & Gladys Knight – Double or Nothing
4. Survivor – Eye of the Tiger
5. Vince DiCola – War
6. James Brown – Living in America
7. Robert Tepper – No Easy Way Out
8. Go West – One Way Street
9. Touch – The Sweetest Victory
10. Vince DiCola – Training Montage";

const BACK_TO_THE_FUTURE_TRACKS: &str = "\
1. Huey Lewis and the News – The Power of Love
2. Lindsey Buckingham – Time Bomb Town
3. Alan Silvestri – Back to the Future
4. Eric Clapton – Heaven Is One Step Away
5. Huey Lewis and the News – Back in Time
6. Alan Silvestri – Back to the Future Overture
7. Etta James – The Wallflower (Dance with Me, Henry)
8. Marvin Berry and the Starlighters – Night Train
9. Marvin Berry and the Starlighters – Earth Angel (Will You Be Mine)
10. Marty McFly with the Starlighters – Johnny B. Goode";

const LOVE_TRACKS: &str = "\
1. The Cult – Nirvana
2. The Cult – Big Neon Glitter
3. The Cult – Love
4. The Cult – Brother Wolf, Sister Moon
5. The Cult – Rain
6. The Cult – Phoenix
7. The Cult – Hollow Man
8. The Cult – Revolution
9. The Cult – She Sells Sanctuary
10. The Cult – Black Angel";

const ROCKY_IV_BODY: &str = "\
Some soundtracks accompany a film. *Rocky IV* is the rare case where the film seems to accompany \
the soundtrack. Take away the dialogue and what is left is a string of music videos: a night drive \
set to a power ballad, a training montage in the snow, a fight cut to a synthesizer that never \
lets up.

The album was everywhere in the winter of 1985. Survivor opens it with \"Burning Heart\", a song \
that sounds as if it was built in a gym, and comes back with \"Eye of the Tiger\", borrowed from \
the third film and still the first thing anyone hums on a flight of stairs. James Brown struts \
through \"Living in America\", the one track on the record that sounds like it is having fun.

The real discovery, though, is Vince DiCola. His two instrumentals, \"War\" and \"Training \
Montage\", are pure mid-eighties synth drama: arpeggios stacked on arpeggios, drums like doors \
slamming. Put them on headphones and try not to walk faster.

Here is the song everybody remembers. It loads from YouTube only when you press play:

https://www.youtube.com/watch?v=btPJPFnesV4

## On tape

My copy is a cassette with a cracked case and a J-card bleached by years on a car dashboard. It \
still plays. I typed up the sleeve and my own scribbles in the margin; the file is below, with its \
checksum, in case you collect these things too.

Next in the series is a record that is no film soundtrack at all — but it was the soundtrack to my \
autumn.";

const BACK_TO_THE_FUTURE_BODY: &str = "\
The series starts in the summer. *Back to the Future* opened in July 1985, and Huey Lewis and the \
News gave it \"The Power of Love\", a song so sure of itself that it practically drives the \
DeLorean on its own. It went all the way to number one in America, the band's first.

The album is a strange and lovely patchwork. There is Lindsey Buckingham's jittery \"Time Bomb \
Town\" and Eric Clapton's \"Heaven Is One Step Away\", and then a jump thirty years back to a 1955 \
school dance: Etta James, \"Earth Angel\" played by the fictional Marvin Berry and the \
Starlighters, and Marty McFly inventing rock and roll a few years early with \"Johnny B. Goode\". \
Alan Silvestri's score gets two tracks, and the brass of the main theme still makes me sit up \
straight.

A soundtrack about time travel that turned into a time machine of its own: press play and it is \
July 1985 again.";

const LOVE_BODY: &str = "\
Not every entry in this series comes with a film. In the autumn of 1985 The Cult released *Love*, \
and for me it scored a whole season: cold mornings, a long walk to school, a Walkman whose \
batteries were always nearly flat.

\"She Sells Sanctuary\" is why most people know the album, and it has earned that: Billy Duffy's \
guitar rings like a bell nobody remembered to stop, and Ian Astbury sings as if the song were a \
ceremony. But the record rewards listening all the way through. \"Rain\" swings harder than you \
remember, \"Brother Wolf, Sister Moon\" takes its time, and \"Black Angel\" has the grand, slightly \
absurd sincerity that only 1985 could pull off.

If *Rocky IV* was synthesizers and sweat, *Love* is reverb and leather. Both sound exactly like \
the year they were made, and neither apologises for it.";

const CASSETTES_BODY: &str = "\
People ask why I still buy tapes when every song I own is a tap away. The honest answer is \
friction. A cassette makes you choose: one side, in order, no skipping without a fight with the \
fast-forward button. Albums were sequenced for exactly that, and you hear it again the moment you \
cannot shuffle.

Then there is the object. A J-card folded three times, a track listing in a font chosen by someone \
in a hurry, a catalogue number nobody will ever need. Every tape on my shelf is a small, slightly \
warped document of the year it was made.

This blog is where I write those documents down, one record at a time.";

const SNOW_MIXTAPE_BODY: &str = "\
Twelve songs for the week the weather turns, in the order they belong on a C90. Side A is for the \
walk out, side B for the walk home.";

const BEVERLY_HILLS_COP_BODY: &str = "\
Notes for later: Harold Faltermeyer, \"Axel F\", that synth line. Glenn Frey. Check the B-side.";

const ABOUT_BODY: &str = "\
*Cassette Diaries* is the demo blog that ships with Encore. Its author, Marty Rewind, is made up; \
the records are real.

Everything you see was created by `encore demo` on its first run: the series *Great Soundtracks of \
1985*, the track listings (stored as data, not typed into the text, so they also appear as \
schema.org markup for search engines), the click-to-load video, the download with its checksum, \
and two posts you cannot see yet — a draft, and one scheduled to publish itself next week.

Change it, delete it, or start again with an empty data directory.";

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 9, 30, 0)
        .single()
        .unwrap_or_else(Utc::now)
}

/// The sleeve notes offered as a download under the Rocky IV post.
pub fn liner_notes(tracks: &[Track]) -> String {
    let mut notes = String::from(
        "ROCKY IV - Original Motion Picture Soundtrack (1985)\n\
         Sleeve notes typed up by Marty Rewind for Cassette Diaries, the Encore demo blog.\n\nTrack listing\n",
    );
    for t in tracks {
        notes.push_str(&format!("{:>3}. {} - {}\n", t.position, t.artist, t.title));
    }
    notes.push_str(
        "\nScribbles in the margin\n\
         - \"War\" is the best thing on here. Turn it up.\n\
         - The tape squeals a little at the start of side B. It always has.\n",
    );
    notes
}

/// Fills `site` with the demo blog unless it is there already; returns whether it wrote anything.
/// Everything is written through the application layer, as a writer's own posts would be.
pub async fn seed(app: &App, site: &Site, config: &Config) -> anyhow::Result<bool> {
    let now = app.clock().now();
    if app
        .store()
        .posts()
        .public_by_slug(site.id, PostKind::Page, "about", now)
        .await?
        .is_some()
    {
        return Ok(false);
    }
    let op = Actor::Operator;
    if config.site_tagline.is_none() && site.tagline.is_empty() {
        let tagline = SiteSettings {
            tagline: Some(SITE_TAGLINE.into()),
            ..SiteSettings::default()
        };
        update_site(app, op, site.id, tagline).await?;
    }
    let author = demo_author(app, site).await?;
    let year = ensure_category(
        app,
        op,
        site.id,
        "1985",
        "Records and films from the year of the Walkman.",
    )
    .await?
    .id;
    let notes = ensure_category(
        app,
        op,
        site.id,
        "Notes",
        "Thoughts on collecting, listening and taping.",
    )
    .await?
    .id;
    let series = ensure_series(
        app,
        op,
        site.id,
        SERIES_TITLE,
        "Ten records that sounded like 1985, and still do. One a fortnight, in the order I wore them out.",
    )
    .await?
    .id;

    let rocky_tracks = parse_listing(ROCKY_IV_TRACKS).map_err(|e| anyhow::anyhow!("{e}"))?;
    let rocky_notes = Bytes::from(liner_notes(&rocky_tracks));
    let download = add_download(app, op, site.id, "rocky-iv-sleeve-notes.txt", rocky_notes)
        .await?
        .id;

    let demo = Demo {
        app,
        site,
        author: &author,
        series,
    };
    demo.post(
        "Why I still buy cassettes",
        CASSETTES_BODY,
        at(2026, 8, 22),
        notes,
        &["Cassettes", "Collecting"],
    )
    .insert()
    .await?;
    demo.post(
        "Back to the Future",
        BACK_TO_THE_FUTURE_BODY,
        at(2026, 9, 5),
        year,
        &["Soundtracks", "Huey Lewis and the News"],
    )
    .tracks(BACK_TO_THE_FUTURE_TRACKS)
    .part(1)
    .insert()
    .await?;
    demo.post(
        "Rocky IV",
        ROCKY_IV_BODY,
        at(2026, 9, 19),
        year,
        &["Soundtracks", "Survivor", "Synthesizers"],
    )
    .tracks(ROCKY_IV_TRACKS)
    .part(2)
    .download(download)
    .insert()
    .await?;
    rocky_iv_conversation(app, site, at(2026, 9, 19)).await?;
    demo.post(
        "The Cult – Love",
        LOVE_BODY,
        at(2026, 10, 3),
        year,
        &["The Cult", "Gothic rock"],
    )
    .tracks(LOVE_TRACKS)
    .part(3)
    .insert()
    .await?;
    demo.post(
        "Beverly Hills Cop",
        BEVERLY_HILLS_COP_BODY,
        now,
        year,
        &["Soundtracks"],
    )
    .part(4)
    .draft()
    .insert()
    .await?;
    demo.post(
        "A mixtape for the first snow",
        SNOW_MIXTAPE_BODY,
        now + Duration::days(7),
        notes,
        &["Cassettes"],
    )
    .insert()
    .await?;
    demo.post("About", ABOUT_BODY, at(2026, 8, 1), notes, &[])
        .page()
        .insert()
        .await?;
    Ok(true)
}

async fn demo_author(app: &App, site: &Site) -> anyhow::Result<Account> {
    let account = match app.store().accounts().by_username("marty").await? {
        Some(existing) => {
            set_role(app, Actor::Operator, site.id, existing.id, Role::Author).await?;
            existing
        }
        None => {
            let new = NewAccount {
                username: "marty".into(),
                email: "marty@demo.encore.invalid".into(),
                display_name: "Marty Rewind".into(),
                bio: "Has been taping soundtracks off the radio since 1985. Writes about the ones worth keeping.".into(),
            };
            // No password: the demo author cannot sign in until one is set.
            add_user(app, Actor::Operator, new, None, site.id, Role::Author).await?
        }
    };
    Ok(account)
}

struct Demo<'a> {
    app: &'a App,
    site: &'a Site,
    author: &'a Account,
    series: SeriesId,
}

impl<'a> Demo<'a> {
    fn post(
        &self,
        title: &str,
        body: &str,
        published_at: DateTime<Utc>,
        category: CategoryId,
        tags: &[&str],
    ) -> DemoPost<'a> {
        let mut draft = PostDraft::new(self.author.id, title, body);
        draft.status = PostStatus::Published;
        draft.published_at = Some(published_at);
        draft.categories = vec![Ref::Id(category)];
        draft.tags = tags.iter().map(|t| Ref::Name((*t).to_owned())).collect();
        DemoPost {
            app: self.app,
            site: self.site.id,
            series: self.series,
            tracks: "",
            draft,
        }
    }
}

struct DemoPost<'a> {
    app: &'a App,
    site: SiteId,
    series: SeriesId,
    tracks: &'static str,
    draft: PostDraft,
}

impl DemoPost<'_> {
    fn tracks(mut self, listing: &'static str) -> Self {
        self.tracks = listing;
        self
    }

    /// The post's part in the series; every part is about 1985, whenever it was written.
    fn part(mut self, position: i64) -> Self {
        self.draft.series = Some((Ref::Id(self.series), position));
        self.draft.subject_year = Some(1985);
        self
    }

    fn download(mut self, id: DownloadId) -> Self {
        self.draft.downloads.push(id);
        self
    }

    fn draft(mut self) -> Self {
        self.draft.status = PostStatus::Draft;
        self
    }

    fn page(mut self) -> Self {
        self.draft.kind = PostKind::Page;
        self.draft.categories.clear();
        self
    }

    async fn insert(mut self) -> anyhow::Result<()> {
        if !self.tracks.is_empty() {
            self.draft.tracks = parse_listing(self.tracks).map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        let title = self.draft.title.clone();
        match create_post(self.app, Actor::Operator, self.site, self.draft).await {
            // Left over from an interrupted first run: keep what is there.
            Ok(_) | Err(AppError::Conflict(_)) => Ok(()),
            Err(e) => Err(e).with_context(|| format!("cannot create the demo post {title:?}")),
        }
    }
}

/// The conversation under the Rocky IV post: who, their website, which earlier comment they
/// answer (by place in this list), hours after the post, and what they say.
const ROCKY_IV_COMMENTS: &[(&str, &str, Option<usize>, i64, &str)] = &[
    (
        "Dana K.",
        "",
        None,
        3,
        "I had this on a TDK D90 with *Top Gun* on side B. The tape wore out at \"Hearts on Fire\" first.",
    ),
    (
        "Marcus",
        "https://marcus-listens.example.com",
        None,
        5,
        "The training montage is the reason I still run. Every time \"Training Montage\" starts I speed up without meaning to.",
    ),
    (
        "Cassette Diaries",
        "",
        Some(1),
        6,
        "Same here. Vince DiCola wrote it on a Fairlight, if I remember the liner notes right.",
    ),
    (
        "Marcus",
        "https://marcus-listens.example.com",
        Some(2),
        7,
        "He did! And the drum sound is a LinnDrum run through a gated reverb. Pure 1985.",
    ),
    (
        "Ingrid",
        "",
        None,
        9,
        "Unpopular opinion: \"No Easy Way Out\" is the best song on the record. It has aged better than the film.",
    ),
    (
        "Teo",
        "",
        Some(4),
        10,
        "Not unpopular at all. Robert Tepper deserved more than one hit.",
    ),
    (
        "Ingrid",
        "",
        Some(5),
        12,
        "He really did. His album from the year after is worth finding on tape.",
    ),
    (
        "Paul R.",
        "https://paulr.example.org",
        None,
        20,
        "Thank you for including the timings. I'm making a running mix and this saves me an afternoon with a stopwatch.",
    ),
    (
        "Sam",
        "",
        None,
        26,
        "Does anyone know if the Japanese cassette has the same running order? Mine seems to swap two songs on side A.",
    ),
    (
        "Cassette Diaries",
        "",
        Some(8),
        27,
        "I've only seen the European one. If you can send me a photo of the inlay, I'd love to add it to the post.",
    ),
    (
        "Sam",
        "",
        Some(9),
        30,
        "Will do this weekend. The inlay has a lyric sheet too, which the European one lacks.",
    ),
    (
        "Lena",
        "",
        None,
        41,
        "Burning Heart came on the radio while I read this. Some days the universe agrees with a blog post.",
    ),
    (
        "Olu",
        "",
        None,
        50,
        "The sleeve notes download is a lovely touch. More blogs should do this.",
    ),
    (
        "Dana K.",
        "",
        Some(12),
        52,
        "Agreed, I printed them and put them in my case.",
    ),
    (
        "Jonas",
        "",
        None,
        70,
        "I came for the soundtrack and stayed for the Back to the Future post. Looking forward to part three.",
    ),
    (
        "Cassette Diaries",
        "",
        Some(14),
        71,
        "Part three is The Cult's *Love*. Not a soundtrack, but it was the sound of that autumn for me.",
    ),
    ("Jonas", "", Some(15), 73, "Bold choice. I approve."),
    (
        "Rita",
        "",
        None,
        96,
        "\"Living in America\" still makes me laugh. James Brown in a film about a boxing match in Moscow, only in 1985.",
    ),
];

/// A comment left for the owner to moderate: the demo's queue is not empty.
const ROCKY_IV_HELD: (&str, &str) = (
    "Newcomer",
    "First time here. Does the sleeve notes file include the catalogue numbers?",
);

/// Writes the Rocky IV conversation (see [`ROCKY_IV_COMMENTS`]).
async fn rocky_iv_conversation(
    app: &App,
    site: &Site,
    published: DateTime<Utc>,
) -> anyhow::Result<()> {
    use encore_app::comments::{ImportedComment, import_comment};
    use encore_core::comment::{CommentForm, CommentStatus};
    let post = app
        .store()
        .posts()
        .public_by_slug(site.id, PostKind::Post, "rocky-iv", app.clock().now())
        .await?
        .ok_or_else(|| anyhow::anyhow!("the Rocky IV post is missing"))?
        .summary;
    let (post, author) = (post.id, post.author.id);
    let form = |name: &str, website: &str, body: &str, parent| CommentForm {
        post,
        parent,
        name: name.into(),
        email: format!(
            "{}@example.org",
            name.to_lowercase()
                .replace(|c: char| !c.is_alphanumeric(), "")
        ),
        website: website.into(),
        body: body.into(),
    };
    let mut ids = Vec::new();
    for (name, website, parent, hours, body) in ROCKY_IV_COMMENTS {
        let parent = parent.map(|i| ids[i]);
        let comment = ImportedComment {
            form: form(name, website, body, parent),
            status: CommentStatus::Approved,
            at: published + Duration::hours(*hours),
        };
        ids.push(import_comment(app, Actor::Operator, site.id, comment).await?);
    }
    let (name, body) = ROCKY_IV_HELD;
    let held = ImportedComment {
        form: form(name, "", body, None),
        status: CommentStatus::Pending,
        at: published + Duration::hours(120),
    };
    import_comment(app, Actor::Operator, site.id, held).await?;
    // Likes: the post's own author and a handful of readers' browsers; some comments too.
    use encore_app::likes::{Liker, like};
    use encore_store::likes::Liked;
    let readers: Vec<Liker> = (1..=6)
        .map(|n| Liker::browser(&format!("demo-reader-{n}")))
        .collect();
    like(app, site, &Liker::Account(author), Liked::Post(post), true).await?;
    for reader in &readers {
        like(app, site, reader, Liked::Post(post), true).await?;
    }
    for (comment, likers) in [(0, 2), (3, 1), (4, 3), (11, 2), (17, 1)] {
        if let Some(id) = ids.get(comment) {
            for reader in &readers[..likers] {
                like(app, site, reader, Liked::Comment(*id), true).await?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rocky_iv_listing_has_ten_tracks_in_order() {
        let tracks = parse_listing(ROCKY_IV_TRACKS).unwrap();
        assert_eq!(tracks.len(), 10);
        assert_eq!(
            (tracks[0].artist.as_str(), tracks[0].title.as_str()),
            ("Survivor", "Burning Heart")
        );
        assert_eq!(
            (tracks[9].artist.as_str(), tracks[9].title.as_str()),
            ("Vince DiCola", "Training Montage")
        );
        let notes = liner_notes(&tracks);
        assert!(notes.contains("  5. Vince DiCola - War\n"), "{notes}");
    }

    #[test]
    fn every_demo_listing_parses() {
        for listing in [BACK_TO_THE_FUTURE_TRACKS, LOVE_TRACKS] {
            assert_eq!(parse_listing(listing).unwrap().len(), 10);
        }
    }
}
