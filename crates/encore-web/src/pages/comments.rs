//! The conversation under a post: its threads, a page at a time, and the reply form, for
//! guests and for signed-in readers; `POST /comments` takes what the form sends.
//!
//! Guests' forms are on pages the page cache shares, so they carry no per-browser token: the
//! request must come from the site's own pages (the `Origin` check every form here makes), and
//! a guest has no session a forged request could act with. A signed-in reader's page is never
//! shared, and their form carries their session's token as every other form does.

use crate::{
    error::{Error, Result},
    extract::ClientIp,
    pages::{
        account::{check_token, see_other},
        posts::post_page,
    },
    session::{FormSite, SignedIn, Viewer},
    state::AppState,
    throttle::{self, Action},
    views::CommentView,
};
use axum::{
    Form,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use encore_app::{
    AppError,
    comments::{ClientFacts, HONEYPOT_FIELD, Placed, Submitted, submit_comment},
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
    /// A guest's like cookie, if the browser sent one.
    pub liker_cookie: Option<String>,
}

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
    csrf: Option<String>,
    name: String,
    email: String,
    website: String,
    body: String,
    honeypot: &'static str,
    /// Problems, in the order of the form.
    problems: Vec<(&'static str, String)>,
    /// The same, by field.
    errors: std::collections::BTreeMap<&'static str, String>,
    /// Said above the form ("awaiting moderation").
    notice: Option<&'static str>,
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
        let liker = match (self.viewer, &self.liker_cookie, self.query.liked.is_some()) {
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
        let typed = self.form.unwrap_or_default();
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
            threads: CommentView::threads(comments, &comments_liked),
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
                csrf: self.viewer.map(|v| v.session.csrf.clone()),
                name: typed.fields.name,
                email: typed.fields.email,
                website: typed.fields.url,
                body: typed.fields.comment,
                honeypot: HONEYPOT_FIELD,
                errors: problems.iter().cloned().collect(),
                problems,
                notice: self
                    .query
                    .held
                    .is_some()
                    .then_some("Thank you. Your comment is awaiting moderation."),
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
    let client = ClientFacts {
        ip: Some(ip),
        user_agent: header_text(header::USER_AGENT),
        referrer: header_text(header::REFERER),
        honeypot: fields.homepage.clone(),
        seconds_to_submit: None,
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
    match submit_comment(&app.app, &site, account, form, client).await {
        Ok(Submitted {
            placed: Placed::Published(id),
            post_path,
        }) => Ok(see_other(&format!("{post_path}#comment-{}", id.0))),
        // Spam is told what a held comment is told: nothing to learn from the answer.
        Ok(Submitted { post_path, .. }) => Ok(see_other(&format!("{post_path}?held=1#respond"))),
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
                liker_cookie: None,
            };
            post_page(&app, &site, &entry.slug, None, conversation).await
        }
        Err(AppError::MissingReference(_)) => Err(Error::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// `GET /comments/{id}/avatar`: a picture for a published comment's writer, drawn here from
/// their name, so that reading a thread asks no other site for anything.
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
