//! The conversation under a post: its threads, a page at a time, and the reply form, for
//! guests and for signed-in readers; `POST /comments` takes what the form sends.
//!
//! Guests' forms are on pages the page cache shares, so they carry no per-browser token: the
//! request must come from the site's own pages (the `Origin` check every form here makes), and
//! a guest has no session a forged request could act with. A signed-in reader's page is never
//! shared, and their form carries their session's token as every other form does.

use crate::{
    cache::COMMENTER_COOKIE,
    error::{Error, Result},
    extract::ClientIp,
    pages::{
        account::{check_token, see_other},
        posts::post_page,
    },
    session::{FormSite, SignedIn, Viewer, set_cookie},
    state::AppState,
    throttle::{self, Action},
    views::{CommentView, Marks},
};
use axum::{
    Form,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use encore_app::{
    AppError,
    comments::{
        ClientFacts, HONEYPOT_FIELD, Placed, Submitted, Writer, changeable, delete_own_comment,
        edit_own_comment, submit_comment,
    },
    likes::Liker,
};
use encore_core::{
    ValidationError,
    comment::CommentForm,
    ids::{CommentId, PostId},
    post::Post,
    site::Site,
};
use encore_store::likes::Liked;
use serde::{Deserialize, Serialize};

/// What a post's address may ask of its conversation.
#[derive(Debug, Default, Deserialize)]
pub struct ThreadQuery {
    /// Start the threads at this comment (a later page).
    comments_from: Option<String>,
    /// Show the reply form under this comment (WordPress's name, so old links work).
    replytocom: Option<String>,
    /// The comment just sent waits for a moderator.
    held: Option<String>,
    /// The reader just liked or unliked something here (a guest's page then says what they like).
    liked: Option<String>,
    /// The comment the reader just wrote is published: their page offers to change it.
    mine: Option<String>,
}

impl ThreadQuery {
    fn id(value: Option<&String>) -> Option<CommentId> {
        value.and_then(|v| v.parse().ok()).map(CommentId)
    }
}

/// What was typed into the reply form and what was wrong with it.
#[derive(Debug, Default)]
pub struct Typed {
    fields: CommentFields,
    problems: Vec<ValidationError>,
}

/// The conversation as one request shows it.
pub struct Conversation<'a> {
    /// Who reads.
    pub viewer: Option<&'a SignedIn>,
    /// What the address asks.
    pub query: ThreadQuery,
    /// The form as sent, when it comes back with problems.
    pub form: Option<Typed>,
    /// A guest's cookies, as the browser sent them.
    pub cookies: GuestCookies,
}

/// The cookies that make a guest known to their own browser (each random; only hashes are
/// stored).
#[derive(Debug, Default)]
pub struct GuestCookies {
    /// Names the browser's likes.
    pub liker: Option<String>,
    /// Names the browser's comments, for the minutes they may still be changed.
    pub writer: Option<String>,
    /// The name, email and website the guest asked to have kept for their next comment.
    pub commenter: Option<Remembered>,
}

/// What a guest asked their browser to keep for their next comment (with their consent: the
/// form's "Save my name…" box). Kept in a cookie only scripts cannot read; never on the server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Remembered {
    name: String,
    email: String,
    website: String,
}

impl Remembered {
    /// The cookie's value: the three fields, one per line, in URL-safe base64.
    fn cookie_value(&self) -> String {
        use base64::Engine as _;
        let joined = format!("{}\n{}\n{}", self.name, self.email, self.website);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(joined)
    }

    /// The fields kept in `value`, if it is a cookie [`Remembered::cookie_value`] made.
    fn from_cookie(value: &str) -> Option<Remembered> {
        use base64::Engine as _;
        if value.len() > 2048 {
            return None;
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(value)
            .ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let mut fields = text.split('\n');
        let (name, email, website) = (fields.next()?, fields.next()?, fields.next()?);
        if fields.next().is_some() {
            return None;
        }
        Some(Remembered {
            name: name.to_owned(),
            email: email.to_owned(),
            website: website.to_owned(),
        })
    }
}

/// How long a browser keeps a guest's details for their next comment: a year.
const COMMENTER_COOKIE_SECONDS: i64 = 365 * 24 * 3600;

impl GuestCookies {
    /// The cookies of a request.
    pub fn of(headers: &HeaderMap) -> GuestCookies {
        let read = |name| {
            crate::session::cookie(headers, name)
                .filter(|v| crate::session::plain_token(v))
                .map(str::to_owned)
        };
        GuestCookies {
            liker: read(crate::pages::likes::LIKER_COOKIE),
            writer: read(WRITER_COOKIE),
            commenter: crate::session::cookie(headers, COMMENTER_COOKIE)
                .and_then(Remembered::from_cookie),
        }
    }
}

/// The guest's writer cookie.
pub const WRITER_COOKIE: &str = "encore_writer";
/// How long a guest's browser keeps its writer cookie: a day is more than the minutes it serves.
const WRITER_COOKIE_SECONDS: i64 = 24 * 3600;

/// The conversation for the template.
#[derive(Debug, Serialize)]
pub struct ConversationView {
    /// Responses shown under the post (replies included).
    count: i64,
    /// The threads of this page.
    threads: Vec<CommentView>,
    /// The next page of threads, if any.
    next_page: Option<String>,
    /// Whether the post takes comments (else "Comments are closed." instead of the form).
    open: bool,
    /// The reply form.
    form: ReplyForm,
    /// "N bloggers like this", the faces, and the Like button.
    likes: PostLikes,
}

/// The post's likes as its page shows them.
#[derive(Debug, Serialize)]
struct PostLikes {
    post: i64,
    count: i64,
    /// "3 bloggers like this." / "Be the first to like this."
    text: String,
    /// The latest signed-in likers: (name, avatar).
    faces: Vec<(String, String)>,
    /// Whether the reader likes the post (known for signed-in readers, and right after a like).
    liked: bool,
    /// Whether this reader may like here (signed in, or the site lets guests like).
    can_like: bool,
    /// Where a guest signs in to like, when guests may not.
    sign_in: String,
    /// The signed-in reader's token.
    csrf: Option<String>,
}

/// What the likes line says for `count` likes.
pub fn likes_text(count: i64) -> String {
    match count {
        ..=0 => "Be the first to like this.".to_owned(),
        1 => "One blogger likes this.".to_owned(),
        n => format!("{n} bloggers like this."),
    }
}

/// Faces shown beside the likes line.
const FACES: u32 = 10;

#[derive(Debug, Serialize)]
struct ReplyForm {
    post: i64,
    /// The comment answered, with its writer's name.
    parent: Option<(i64, String)>,
    /// The signed-in reader's name; guests type theirs.
    signed_in_as: Option<String>,
    /// For guests: the sign-in page, coming back to this form.
    sign_in: String,
    /// The services a reader may sign in with, besides a local account.
    providers: Vec<String>,
    csrf: Option<String>,
    name: String,
    email: String,
    website: String,
    body: String,
    /// Whether the guest's details are (to be) kept for their next comment.
    remember: bool,
    honeypot: &'static str,
    /// When the form was drawn, signed (see [`encore_app::stamps`]).
    stamp: String,
    /// Problems, in the order of the form.
    problems: Vec<(&'static str, String)>,
    /// The same, by field.
    errors: std::collections::BTreeMap<&'static str, String>,
    /// Said above the form ("awaiting moderation").
    notice: Option<&'static str>,
    /// The reader's own comments that wait for a moderator, as they will read (rendered).
    waiting: Vec<String>,
}

impl Conversation<'_> {
    /// The answer's status: 422 when the form comes back with problems.
    pub fn status(&self) -> StatusCode {
        match &self.form {
            Some(typed) if !typed.problems.is_empty() => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::OK,
        }
    }

    /// The threads of the page asked for and the form, for `post`.
    pub async fn view(self, app: &AppState, site: &Site, post: &Post) -> Result<ConversationView> {
        let from = ThreadQuery::id(self.query.comments_from.as_ref());
        let discussion = site.discussion;
        let id = post.summary.id;
        // A post nobody has answered needs no query for its threads.
        let page = if post.comment_count > 0 {
            Some(
                app.store
                    .comments()
                    .threads(
                        site.id,
                        id,
                        from,
                        discussion.per_page,
                        discussion.newest_first,
                    )
                    .await?,
            )
        } else {
            None
        };
        // What the reader likes is known when they are signed in (their page is theirs alone),
        // and for a guest right after a like (the address then bypasses the shared cache).
        let liker = match (self.viewer, &self.cookies.liker, self.query.liked.is_some()) {
            (Some(viewer), _, _) => Some(Liker::Account(viewer.session.account_id)),
            (None, Some(cookie), true) => Some(Liker::browser(cookie)),
            _ => None,
        };
        let likes = app.store.likes();
        let (post_liked, comments_liked) = match &liker {
            Some(liker) => {
                let key = liker.key();
                let post_liked = post.like_count > 0 && likes.likes(Liked::Post(id), &key).await?;
                let comments_liked = if post.comment_count > 0 {
                    likes.comments_liked(id, &key).await?
                } else {
                    Vec::new()
                };
                (post_liked, comments_liked)
            }
            None => (false, Vec::new()),
        };
        // The same for what the reader wrote and may still change, or what of theirs waits.
        let just_wrote = self.query.mine.is_some() || self.query.held.is_some();
        let writer = match (self.viewer, &self.cookies.writer, just_wrote) {
            (Some(viewer), _, _) => Some(Writer::Account(viewer.session.account_id)),
            (None, Some(cookie), true) => Some(Writer::browser(cookie)),
            _ => None,
        };
        let mine = match &writer {
            Some(writer) => changeable(&app.app, id, writer).await?,
            None => Vec::new(),
        };
        let mut waiting = Vec::new();
        if self.query.held.is_some() {
            for own in &mine {
                if let Some(comment) = app.store.comments().get(site.id, *own).await?
                    && comment.status == encore_core::comment::CommentStatus::Pending
                {
                    waiting.push(comment.body_html);
                }
            }
        }
        let faces = if post.like_count > 0 {
            likes
                .faces(id, FACES)
                .await?
                .into_iter()
                .map(|f| (f.display_name, format!("/avatar/{}", f.account_id)))
                .collect()
        } else {
            Vec::new()
        };
        let open = discussion.open_for(
            post.comments_open,
            post.summary.published_at,
            app.clock.now(),
        );
        let (comments, next) = page.map_or((Vec::new(), None), |p| (p.comments, p.next));
        // A guest who asked to be remembered finds the form filled in (their page is not shared).
        let typed = match (self.form, self.viewer, self.cookies.commenter) {
            (Some(typed), _, _) => typed,
            (None, None, Some(kept)) => Typed {
                fields: CommentFields {
                    name: kept.name,
                    email: kept.email,
                    url: kept.website,
                    remember: "1".into(),
                    ..CommentFields::default()
                },
                problems: Vec::new(),
            },
            (None, _, _) => Typed::default(),
        };
        let parent_id = ThreadQuery::id(self.query.replytocom.as_ref())
            .or_else(|| typed.fields.parent.parse().ok().map(CommentId));
        let parent = match parent_id {
            Some(id) => app
                .store
                .comments()
                .get(site.id, id)
                .await?
                .filter(|c| c.status == encore_core::comment::CommentStatus::Approved)
                .map(|c| (id.0, c.author_name)),
            None => None,
        };
        let path = post.summary.path();
        let problems: Vec<(&'static str, String)> = typed
            .problems
            .into_iter()
            .map(|p| {
                let field = field_of(p.field);
                (field, format!("{} {}", label_of(field), p.problem))
            })
            .collect();
        Ok(ConversationView {
            count: post.comment_count,
            threads: CommentView::threads(
                comments,
                &Marks {
                    liked: &comments_liked,
                    mine: &mine,
                },
            ),
            next_page: next.map(|id| format!("{path}?comments_from={}#comments", id.0)),
            open,
            likes: PostLikes {
                post: id.0,
                count: post.like_count,
                text: likes_text(post.like_count),
                faces,
                liked: post_liked,
                can_like: self.viewer.is_some() || discussion.guest_likes,
                sign_in: format!("{}?next={path}", crate::pages::account::LOGIN_PATH),
                csrf: self.viewer.map(|v| v.session.csrf.clone()),
            },
            form: ReplyForm {
                post: post.summary.id.0,
                parent,
                signed_in_as: self.viewer.map(|v| v.session.display_name.clone()),
                sign_in: format!(
                    "{}?next={path}%23respond",
                    crate::pages::account::LOGIN_PATH
                ),
                providers: app
                    .settings
                    .social
                    .buttons()
                    .into_iter()
                    .map(|b| b.label)
                    .collect(),
                csrf: self.viewer.map(|v| v.session.csrf.clone()),
                name: typed.fields.name,
                email: typed.fields.email,
                website: typed.fields.url,
                body: typed.fields.comment,
                remember: !typed.fields.remember.is_empty(),
                honeypot: HONEYPOT_FIELD,
                stamp: encore_app::stamps::stamp(&app.app, site.id, id, app.clock.now()).await?,
                errors: problems.iter().cloned().collect(),
                problems,
                notice: self
                    .query
                    .held
                    .is_some()
                    .then_some("Thank you. Your comment is awaiting moderation."),
                waiting,
            },
        })
    }
}

/// How the form labels a field.
fn label_of(field: &str) -> &'static str {
    match field {
        "comment" => "Comment",
        "name" => "Name",
        "email" => "Email",
        "url" => "Website",
        _ => "This field",
    }
}

/// The form's name for a field the pipeline names.
fn field_of(field: &'static str) -> &'static str {
    match field {
        "body" => "comment",
        "website" => "url",
        other => other,
    }
}

/// The reply form's fields (WordPress's names: `comment`, `author` is `name` here, `url`).
#[derive(Debug, Default, Deserialize)]
pub struct CommentFields {
    #[serde(default)]
    post: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    homepage: String,
    #[serde(default)]
    csrf: String,
    /// When the form was shown (signed).
    #[serde(default)]
    stamp: String,
    /// Present when the guest asks to have their details kept for next time.
    #[serde(default)]
    remember: String,
}

/// `GET /comments/stamp?post=ID`: a fresh stamp for the reply form under a post.
///
/// The page's script asks for it when a reader starts writing (the page itself may have been
/// drawn long before). Never cached.
pub async fn stamp(
    State(app): State<AppState>,
    crate::extract::CurrentSite(site): crate::extract::CurrentSite,
    axum::extract::Query(query): axum::extract::Query<StampQuery>,
) -> Result<Response> {
    let post = PostId(query.post.trim().parse().map_err(|_| Error::NotFound)?);
    let stamp = encore_app::stamps::stamp(&app.app, site.id, post, app.clock.now()).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        stamp,
    )
        .into_response())
}

/// The query of [`stamp`].
#[derive(Debug, Deserialize)]
pub struct StampQuery {
    #[serde(default)]
    post: String,
}

/// `POST /comments`: a comment from a post's reply form.
///
/// Published → back to the comment; held → back to the post with a notice; problems → the
/// post page again, with the form as typed and what to fix (422).
pub async fn submit(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(fields): Form<CommentFields>,
) -> Result<Response> {
    if let Some(viewer) = &viewer {
        check_token(viewer, &fields.csrf)?;
    }
    if !app.throttle.allow(Action::Comment, ip) {
        return Err(Error::TooManyRequests(throttle::WINDOW.as_secs()));
    }
    let post = PostId(fields.post.trim().parse().map_err(|_| Error::NotFound)?);
    let parent = match fields.parent.trim() {
        "" => None,
        id => Some(CommentId(id.parse().map_err(|_| Error::NotFound)?)),
    };
    let header_text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .chars()
            .take(500)
            .collect::<String>()
    };
    // A guest's browser is given a writer cookie (if it has none) so that it may change the
    // comment for a few minutes; only its hash is stored.
    let mut new_cookie = None;
    let remembered = GuestCookies::of(&headers).commenter.is_some();
    let writer_key = match (&viewer, GuestCookies::of(&headers).writer) {
        (Some(_), _) => String::new(),
        (None, Some(cookie)) => Writer::browser(&cookie).key().to_owned(),
        (None, None) => {
            let cookie = encore_app::sessions::random_token()?;
            let key = Writer::browser(&cookie).key().to_owned();
            new_cookie = Some(cookie);
            key
        }
    };
    let client = ClientFacts {
        ip: Some(ip),
        user_agent: header_text(header::USER_AGENT),
        referrer: header_text(header::REFERER),
        honeypot: fields.homepage.clone(),
        seconds_to_submit: encore_app::stamps::seconds_since(
            &app.app,
            site.id,
            post,
            &fields.stamp,
            app.clock.now(),
        )
        .await?,
        writer_key,
    };
    let form = CommentForm {
        post,
        parent,
        name: fields.name.clone(),
        email: fields.email.clone(),
        website: fields.url.clone(),
        body: fields.comment.clone(),
    };
    let account = viewer.as_ref().map(|v| v.session.account_id);
    let to = match submit_comment(&app.app, &site, account, form, client).await {
        // A guest goes to an address of their own (past the shared cache) that offers Edit.
        Ok(Submitted {
            placed: Placed::Published(id),
            post_path,
        }) if viewer.is_none() => format!("{post_path}?mine={}#comment-{}", id.0, id.0),
        Ok(Submitted {
            placed: Placed::Published(id),
            post_path,
        }) => format!("{post_path}#comment-{}", id.0),
        // Spam is told what a held comment is told: nothing to learn from the answer.
        Ok(Submitted { post_path, .. }) => format!("{post_path}?held=1#respond"),
        Err(AppError::Invalid(problems)) => {
            // The form is checked before the post is looked up: look it up to show it again.
            let entry = app
                .store
                .posts()
                .public_entry(site.id, post, app.clock.now())
                .await?
                .ok_or(Error::NotFound)?;
            let conversation = Conversation {
                viewer: viewer.as_ref(),
                query: ThreadQuery::default(),
                form: Some(Typed { fields, problems }),
                cookies: GuestCookies::default(),
            };
            return post_page(&app, &site, &entry.slug, None, conversation).await;
        }
        Err(AppError::MissingReference(_)) => return Err(Error::NotFound),
        Err(e) => return Err(e.into()),
    };
    let mut response = see_other(&to);
    if let Some(cookie) = new_cookie {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(&site, WRITER_COOKIE, &cookie, WRITER_COOKIE_SECONDS, false),
        );
    }
    // A guest's details are kept for next time only when they ask, and forgotten as soon as
    // they send a comment without asking.
    if viewer.is_none() {
        if !fields.remember.is_empty() {
            let kept = Remembered {
                name: fields.name.trim().to_owned(),
                email: fields.email.trim().to_owned(),
                website: fields.url.trim().to_owned(),
            };
            response.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(
                    &site,
                    COMMENTER_COOKIE,
                    &kept.cookie_value(),
                    COMMENTER_COOKIE_SECONDS,
                    false,
                ),
            );
        } else if remembered {
            response.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(&site, COMMENTER_COOKIE, "", 0, false),
            );
        }
    }
    Ok(response)
}

/// The writer's form to change or take back their comment.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OwnFields {
    comment: String,
    /// `save` or `delete`.
    #[serde(rename = "do")]
    action: String,
    csrf: String,
}

#[derive(Serialize)]
struct OwnPage<'a> {
    layout: crate::views::Layout,
    id: i64,
    post_path: String,
    body: String,
    until: String,
    csrf: Option<&'a str>,
    #[serde(flatten)]
    outcome: &'a crate::pages::account::Outcome,
}

/// Who asks to change comment: the signed-in reader, or the guest's browser by its cookie.
fn writer_of(viewer: Option<&SignedIn>, headers: &HeaderMap) -> Result<Writer> {
    match (viewer, GuestCookies::of(headers).writer) {
        (Some(viewer), _) => Ok(Writer::Account(viewer.session.account_id)),
        (None, Some(cookie)) => Ok(Writer::browser(&cookie)),
        (None, None) => Err(Error::Forbidden(
            "only the browser that wrote a comment may change it".into(),
        )),
    }
}

/// `GET /comments/{id}`: a published comment's lasting address — to the page of its post's
/// conversation that shows it (a later page when the thread is there), at the comment.
pub async fn permalink(
    State(app): State<AppState>,
    crate::extract::CurrentSite(site): crate::extract::CurrentSite,
    crate::extract::Params(id): crate::extract::Params<i64>,
) -> Result<Response> {
    let id = CommentId(id);
    let comment = app
        .store
        .comments()
        .get(site.id, id)
        .await?
        .filter(|c| c.status == encore_core::comment::CommentStatus::Approved)
        .ok_or(Error::NotFound)?;
    let (post, entry) = public_post_of(&app, &site, comment.id).await?;
    let discussion = site.discussion;
    let page = app
        .store
        .comments()
        .page_of(
            site.id,
            post,
            id,
            discussion.per_page,
            discussion.newest_first,
        )
        .await?;
    let to = match page {
        None => format!("{}#comment-{}", entry.path, id.0),
        Some(from) => format!("{}?comments_from={}#comment-{}", entry.path, from.0, id.0),
    };
    Ok(axum::response::Redirect::to(&to).into_response())
}

/// The public post comment `id` is under.
async fn public_post_of(
    app: &AppState,
    site: &Site,
    id: CommentId,
) -> Result<(PostId, encore_store::posts::PublicEntry)> {
    let post = app
        .store
        .comments()
        .post_of(site.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let entry = app
        .store
        .posts()
        .public_entry(site.id, post, app.clock.now())
        .await?
        .ok_or(Error::NotFound)?;
    Ok((post, entry))
}

async fn own_page(
    app: &AppState,
    site: &Site,
    viewer: Option<&SignedIn>,
    id: CommentId,
    body: Option<String>,
    outcome: crate::pages::account::Outcome,
) -> Result<Response> {
    let comment = app
        .store
        .comments()
        .get(site.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let (_, entry) = public_post_of(app, site, id).await?;
    let until = comment.created_at + chrono::Duration::minutes(encore_core::comment::EDIT_MINUTES);
    let path = format!("/comments/{}/edit", id.0);
    crate::pages::account::render(
        app,
        site,
        (&path, "Change your comment", "comment_edit.html"),
        outcome.status,
        |layout| OwnPage {
            layout,
            id: id.0,
            post_path: entry.path,
            body: body.unwrap_or(comment.body),
            until: until.format("%H:%M UTC").to_string(),
            csrf: viewer.map(|v| v.session.csrf.as_str()),
            outcome: &outcome,
        },
    )
    .await
}

/// `GET /comments/{id}/edit`: the writer's own comment, to change or take back while they may.
pub async fn own_form(
    State(app): State<AppState>,
    crate::extract::CurrentSite(site): crate::extract::CurrentSite,
    Viewer(viewer): Viewer,
    crate::extract::Params(id): crate::extract::Params<i64>,
    headers: HeaderMap,
) -> Result<Response> {
    let writer = writer_of(viewer.as_ref(), &headers)?;
    let id = CommentId(id);
    // Refused here already when it is not theirs, too old, or answered.
    let (post, _) = public_post_of(&app, &site, id).await?;
    if !changeable(&app.app, post, &writer).await?.contains(&id) {
        return Err(Error::Forbidden(
            "this comment can no longer be changed from here; ask the site's owner".into(),
        ));
    }
    let outcome = crate::pages::account::Outcome::ok();
    own_page(&app, &site, viewer.as_ref(), id, None, outcome).await
}

/// `POST /comments/{id}/edit`: saves the writer's new words (`do=save`) or takes the comment
/// back (`do=delete`).
pub async fn own_save(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    crate::extract::Params(id): crate::extract::Params<i64>,
    headers: HeaderMap,
    Form(fields): Form<OwnFields>,
) -> Result<Response> {
    if let Some(viewer) = &viewer {
        check_token(viewer, &fields.csrf)?;
    }
    let writer = writer_of(viewer.as_ref(), &headers)?;
    let id = CommentId(id);
    let path = public_post_of(&app, &site, id).await?.1.path;
    if fields.action == "delete" {
        delete_own_comment(&app.app, &site, &writer, id).await?;
        return Ok(see_other(&format!("{path}#comments")));
    }
    match edit_own_comment(&app.app, &site, &writer, id, &fields.comment).await {
        Ok(Placed::Published(_)) if viewer.is_none() => {
            Ok(see_other(&format!("{path}?mine={}#comment-{}", id.0, id.0)))
        }
        Ok(Placed::Published(_)) => Ok(see_other(&format!("{path}#comment-{}", id.0))),
        Ok(_) => Ok(see_other(&format!("{path}?held=1#respond"))),
        Err(AppError::Invalid(problems)) => {
            let mut outcome = crate::pages::account::Outcome::invalid(problems);
            outcome.rename("body", "comment");
            own_page(
                &app,
                &site,
                viewer.as_ref(),
                id,
                Some(fields.comment),
                outcome,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /comments/{id}/avatar`: the picture of a published comment's writer.
///
/// A member's is the one they chose (uploaded, Gravatar, or drawn); a guest's is drawn here from
/// their name, so that reading a thread asks no other site for anything, unless the site shows
/// guests' Gravatars.
pub async fn avatar(
    State(app): State<AppState>,
    crate::extract::CurrentSite(site): crate::extract::CurrentSite,
    crate::extract::Params(id): crate::extract::Params<i64>,
) -> Result<Response> {
    let comment = app
        .store
        .comments()
        .get(site.id, CommentId(id))
        .await?
        .filter(|c| c.status == encore_core::comment::CommentStatus::Approved)
        .ok_or(Error::NotFound)?;
    if let Some(account) = comment.account {
        return crate::pages::avatars::picture_of(&app, account).await;
    }
    if site.discussion.gravatars {
        // Gravatar draws its own picture for an address it does not know.
        let to = encore_core::avatar::gravatar_url(&comment.author_email, 96);
        return Ok((
            StatusCode::FOUND,
            [
                (header::LOCATION, to),
                (header::CACHE_CONTROL, "public, max-age=86400".to_owned()),
            ],
        )
            .into_response());
    }
    // The colour comes from a hash of the address (never shown): the same writer, the same colour.
    let svg = encore_core::avatar::generated_svg(&comment.author_name, &comment.author_email);
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        svg,
    )
        .into_response())
}
