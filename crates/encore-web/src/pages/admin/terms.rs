//! Categories, tags and series at the desk (editors and administrators): listed with their
//! posts, made, renamed, nested, merged and deleted.

use super::{DeskQuery, TokenForm, Writer, form_member, member, render};
use crate::{
    error::{Error, Result},
    extract::{CurrentSite, Params},
    pages::account::{Outcome, see_other},
    session::{FormSite, Viewer},
    state::AppState,
    views::Layout,
};
use axum::{
    Form,
    extract::{Path, Query, State},
    response::Response,
};
use encore_app::taxonomy::{TermInput, delete_term, merge_terms, save_term};
use encore_core::{roles::Capability, site::Site, taxonomy::TermKind};
use encore_store::terms::Term;
use serde::{Deserialize, Serialize};

/// How a kind is named on the desk's pages.
#[derive(Serialize)]
struct Words {
    /// `categories`: in addresses.
    plural: &'static str,
    /// `Categories`: the page's title.
    title: &'static str,
    /// `category`: in sentences.
    one: &'static str,
    has_description: bool,
    has_parent: bool,
}

fn words(kind: TermKind) -> Words {
    let (title, one) = match kind {
        TermKind::Category => ("Categories", "category"),
        TermKind::Tag => ("Tags", "tag"),
        TermKind::Series => ("Series", "series"),
    };
    Words {
        plural: kind.plural(),
        title,
        one,
        has_description: kind.has_description(),
        has_parent: kind.has_parent(),
    }
}

fn kind_of(name: &str) -> Result<TermKind> {
    TermKind::from_plural(name).ok_or(Error::NotFound)
}

/// A term as the desk lists it: with its depth among categories, and its public address.
#[derive(Serialize)]
struct Row {
    #[serde(flatten)]
    term: Term,
    depth: usize,
    path: String,
}

/// The terms in reading order: categories under their parents (depth first), others by name.
fn in_tree_order(kind: TermKind, terms: Vec<Term>) -> Vec<Row> {
    fn visit(kind: TermKind, all: &[Term], parent: Option<i64>, depth: usize, out: &mut Vec<Row>) {
        for term in all.iter().filter(|t| t.parent_id == parent) {
            out.push(Row {
                path: kind.path(&term.slug),
                term: term.clone(),
                depth,
            });
            if depth < 20 {
                visit(kind, all, Some(term.id), depth + 1, out);
            }
        }
    }
    let mut rows = Vec::with_capacity(terms.len());
    visit(kind, &terms, None, 0, &mut rows);
    // A parent on another site or a loop (neither should exist) must not hide a term.
    for term in &terms {
        if !rows.iter().any(|r| r.term.id == term.id) {
            rows.push(Row {
                path: kind.path(&term.slug),
                term: term.clone(),
                depth: 0,
            });
        }
    }
    rows
}

/// The form as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct TermForm {
    #[serde(skip_serializing)]
    csrf: String,
    name: String,
    slug: String,
    description: String,
    parent: String,
}

impl TermForm {
    fn of(term: &Term) -> TermForm {
        TermForm {
            csrf: String::new(),
            name: term.name.clone(),
            slug: term.slug.clone(),
            description: term.description.clone(),
            parent: term.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        }
    }

    fn input(&self) -> TermInput {
        TermInput {
            name: self.name.clone(),
            slug: self.slug.clone(),
            description: self.description.clone(),
            // A parent that does not parse is no parent on this site: refused by name.
            parent: match self.parent.trim() {
                "" => None,
                id => Some(id.parse().unwrap_or(-1)),
            },
        }
    }
}

#[derive(Serialize)]
struct ListPage<'a> {
    layout: Layout,
    csrf: &'a str,
    kind: Words,
    terms: Vec<Row>,
    form: TermForm,
    notice: Option<&'static str>,
    #[serde(flatten)]
    outcome: &'a Outcome,
}

async fn list_page(
    app: &AppState,
    site: &Site,
    writer: &Writer,
    kind: TermKind,
    form: TermForm,
    notice: Option<&'static str>,
    outcome: Outcome,
) -> Result<Response> {
    let terms = in_tree_order(kind, app.store.terms().list(site.id, kind).await?);
    let here = format!("/admin/{}", kind.plural());
    let words = words(kind);
    let title = words.title;
    render(
        app,
        site,
        writer,
        (&here, title, "admin_terms.html"),
        outcome.status,
        |layout| ListPage {
            layout,
            csrf: &writer.viewer.session.csrf,
            kind: words,
            terms,
            form,
            notice,
            outcome: &outcome,
        },
    )
}

/// `GET /admin/{kind}`: the site's categories, tags or series, and a form to add one.
pub async fn list(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Viewer(viewer): Viewer,
    Path(kind): Path<String>,
    Query(query): Query<DeskQuery>,
) -> Result<Response> {
    let kind = kind_of(&kind)?;
    let here = format!("/admin/{}", kind.plural());
    let writer = member(&app, &site, viewer, &here, Capability::EditOthersPosts).await?;
    let notice = match query.done.as_str() {
        "added" => Some("Added."),
        "merged" => Some("Merged: its posts are filed under the one it joined."),
        "deleted" => Some("Deleted: its posts stay, filed under it no more."),
        _ => None,
    };
    let form = TermForm::default();
    list_page(&app, &site, &writer, kind, form, notice, Outcome::ok()).await
}

/// `POST /admin/{kind}/new`: adds one.
pub async fn create(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Path(kind): Path<String>,
    Form(form): Form<TermForm>,
) -> Result<Response> {
    let writer = form_member(&app, &site, viewer, &form.csrf, Capability::EditOthersPosts).await?;
    let kind = kind_of(&kind)?;
    match save_term(&app.app, writer.actor(), site.id, kind, None, form.input()).await {
        Ok(_) => Ok(see_other(&format!("/admin/{}?done=added", kind.plural()))),
        Err(err) => {
            let outcome = Outcome::refused(err)?;
            list_page(&app, &site, &writer, kind, form, None, outcome).await
        }
    }
}

#[derive(Serialize)]
struct EditPage<'a> {
    layout: Layout,
    csrf: &'a str,
    kind: Words,
    id: i64,
    path: String,
    posts: i64,
    form: TermForm,
    /// Where it may sit (categories) and what it may merge into: every other term.
    others: Vec<Row>,
    saved: bool,
    #[serde(flatten)]
    outcome: &'a Outcome,
}

async fn edit_page(
    app: &AppState,
    site: &Site,
    writer: &Writer,
    (kind, term): (TermKind, &Term),
    form: TermForm,
    saved: bool,
    outcome: Outcome,
) -> Result<Response> {
    let others = in_tree_order(kind, app.store.terms().list(site.id, kind).await?)
        .into_iter()
        .filter(|r| r.term.id != term.id)
        .collect();
    let here = format!("/admin/{}/{}", kind.plural(), term.id);
    let words = words(kind);
    let title = format!("Edit {}", words.one);
    render(
        app,
        site,
        writer,
        (&here, &title, "admin_term.html"),
        outcome.status,
        |layout| EditPage {
            layout,
            csrf: &writer.viewer.session.csrf,
            kind: words,
            id: term.id,
            path: kind.path(&term.slug),
            posts: term.posts,
            form,
            others,
            saved,
            outcome: &outcome,
        },
    )
}

async fn term(app: &AppState, site: &Site, kind: TermKind, id: i64) -> Result<Term> {
    app.store
        .terms()
        .get(site.id, kind, id)
        .await?
        .ok_or(Error::NotFound)
}

/// `GET /admin/{kind}/{id}`: one, to rename, nest, merge or delete.
pub async fn edit(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Viewer(viewer): Viewer,
    Params((kind, id)): Params<(String, i64)>,
    Query(query): Query<DeskQuery>,
) -> Result<Response> {
    let kind = kind_of(&kind)?;
    let here = format!("/admin/{}/{id}", kind.plural());
    let writer = member(&app, &site, viewer, &here, Capability::EditOthersPosts).await?;
    let term = term(&app, &site, kind, id).await?;
    let form = TermForm::of(&term);
    let saved = query.saved == "1";
    edit_page(
        &app,
        &site,
        &writer,
        (kind, &term),
        form,
        saved,
        Outcome::ok(),
    )
    .await
}

/// `POST /admin/{kind}/{id}`: saves one.
pub async fn update(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Params((kind, id)): Params<(String, i64)>,
    Form(form): Form<TermForm>,
) -> Result<Response> {
    let writer = form_member(&app, &site, viewer, &form.csrf, Capability::EditOthersPosts).await?;
    let kind = kind_of(&kind)?;
    let term = term(&app, &site, kind, id).await?;
    match save_term(
        &app.app,
        writer.actor(),
        site.id,
        kind,
        Some(term.id),
        form.input(),
    )
    .await
    {
        Ok(id) => Ok(see_other(&format!("/admin/{}/{id}?saved=1", kind.plural()))),
        Err(err) => {
            let outcome = Outcome::refused(err)?;
            edit_page(&app, &site, &writer, (kind, &term), form, false, outcome).await
        }
    }
}

/// The merge form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MergeForm {
    csrf: String,
    into: String,
}

/// `POST /admin/{kind}/{id}/merge`: files its posts under another and deletes it.
pub async fn merge(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Params((kind, id)): Params<(String, i64)>,
    Form(form): Form<MergeForm>,
) -> Result<Response> {
    let writer = form_member(&app, &site, viewer, &form.csrf, Capability::EditOthersPosts).await?;
    let kind = kind_of(&kind)?;
    let term = term(&app, &site, kind, id).await?;
    let into = form.into.trim().parse().unwrap_or(-1);
    match merge_terms(&app.app, writer.actor(), site.id, kind, term.id, into).await {
        Ok(()) => Ok(see_other(&format!("/admin/{}?done=merged", kind.plural()))),
        Err(err) => {
            let outcome = Outcome::refused(err)?;
            let form = TermForm::of(&term);
            edit_page(&app, &site, &writer, (kind, &term), form, false, outcome).await
        }
    }
}

/// `POST /admin/{kind}/{id}/delete`: deletes one; its posts stay.
pub async fn delete(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Params((kind, id)): Params<(String, i64)>,
    Form(form): Form<TokenForm>,
) -> Result<Response> {
    let writer = form_member(&app, &site, viewer, &form.csrf, Capability::EditOthersPosts).await?;
    let kind = kind_of(&kind)?;
    let term = term(&app, &site, kind, id).await?;
    delete_term(&app.app, writer.actor(), site.id, kind, term.id).await?;
    Ok(see_other(&format!("/admin/{}?done=deleted", kind.plural())))
}
