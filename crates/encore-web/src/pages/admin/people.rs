//! People at the desk (administrators): who has a role on the site, inviting someone, changing a
//! role, turning someone away and letting them back.

use super::{DeskQuery, Writer, form_member, member, render};
use crate::{
    error::{Error, Result},
    extract::{CurrentSite, Params},
    pages::account::{Outcome, see_other},
    session::{FormSite, Viewer},
    state::AppState,
    views::{DateView, Layout},
};
use axum::{
    Form,
    extract::{Query, State},
    response::Response,
};
use encore_app::{
    accounts::{MemberChange, change_member},
    signup::invite,
};
use encore_core::{
    ValidationError,
    ids::AccountId,
    roles::{Capability, Role},
    site::Site,
};
use serde::{Deserialize, Serialize};

const HERE: &str = "/admin/people";

#[derive(Serialize)]
struct Person {
    id: i64,
    username: String,
    display_name: String,
    email: String,
    role: String,
    disabled: bool,
    joined: DateView,
    posts: i64,
    /// The member looking at the page (who cannot change themselves).
    is_you: bool,
}

/// The invitation form as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct InviteForm {
    #[serde(skip_serializing)]
    csrf: String,
    email: String,
    role: String,
}

#[derive(Serialize)]
struct PeoplePage<'a> {
    layout: Layout,
    csrf: &'a str,
    people: Vec<Person>,
    roles: Vec<&'static str>,
    invite: InviteForm,
    notice: Option<&'static str>,
    #[serde(flatten)]
    outcome: &'a Outcome,
}

async fn page(
    app: &AppState,
    site: &Site,
    writer: &Writer,
    invite: InviteForm,
    notice: Option<&'static str>,
    outcome: Outcome,
) -> Result<Response> {
    let you = writer.viewer.session.account_id.0;
    let people = app
        .store
        .accounts()
        .people(site.id)
        .await?
        .into_iter()
        .map(|m| Person {
            is_you: m.id == you,
            id: m.id,
            username: m.username,
            display_name: m.display_name,
            email: m.email,
            role: m.role,
            disabled: m.disabled_at.is_some(),
            joined: DateView::new(m.joined_at),
            posts: m.posts,
        })
        .collect();
    render(
        app,
        site,
        writer,
        (HERE, "People", "admin_people.html"),
        outcome.status,
        |layout| PeoplePage {
            layout,
            csrf: &writer.viewer.session.csrf,
            people,
            roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
            invite,
            notice,
            outcome: &outcome,
        },
    )
}

/// `GET /admin/people`: everyone with a role on the site, and the invitation form.
pub async fn list(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Viewer(viewer): Viewer,
    Query(query): Query<DeskQuery>,
) -> Result<Response> {
    let writer = member(&app, &site, viewer, HERE, Capability::ManageSite).await?;
    let notice = match query.done.as_str() {
        "invited" => Some("Invitation mailed. The link in it works once, for a week."),
        "changed" => Some("Saved."),
        _ => None,
    };
    let invite = InviteForm {
        role: "author".into(),
        ..InviteForm::default()
    };
    page(&app, &site, &writer, invite, notice, Outcome::ok()).await
}

/// `POST /admin/people/invite`: mails an invitation with a role.
pub async fn invite_someone(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Form(form): Form<InviteForm>,
) -> Result<Response> {
    let writer = form_member(&app, &site, viewer, &form.csrf, Capability::ManageSite).await?;
    let result = match form.role.parse::<Role>() {
        Ok(role) => invite(&app.app, writer.actor(), &site, &form.email, role)
            .await
            .map(drop),
        Err(_) => Err(ValidationError::new("role", "choose a role").into()),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("{HERE}?done=invited"))),
        Err(err) => {
            let outcome = Outcome::refused(err)?;
            page(&app, &site, &writer, form, None, outcome).await
        }
    }
}

/// A row's form: `action` is `role` (with `role`), `disable` or `enable`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MemberForm {
    csrf: String,
    action: String,
    role: String,
}

/// `POST /admin/people/{id}`: changes a member's role, or turns them away or back.
pub async fn change(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Params(id): Params<i64>,
    Form(form): Form<MemberForm>,
) -> Result<Response> {
    let id = AccountId(id);
    let writer = form_member(&app, &site, viewer, &form.csrf, Capability::ManageSite).await?;
    let change = match form.action.as_str() {
        "disable" => MemberChange::Disable,
        "enable" => MemberChange::Enable,
        "role" => MemberChange::Role(
            form.role
                .parse()
                .map_err(|_| Error::BadRequest("choose a role".into()))?,
        ),
        _ => return Err(Error::BadRequest("unknown action".into())),
    };
    match change_member(&app.app, writer.actor(), site.id, id, change).await {
        Ok(()) => Ok(see_other(&format!("{HERE}?done=changed"))),
        Err(err) => {
            let outcome = Outcome::refused(err)?;
            let invite = InviteForm {
                role: "author".into(),
                ..InviteForm::default()
            };
            page(&app, &site, &writer, invite, None, outcome).await
        }
    }
}
