//! Error pages: the 404 fallback, the panic handler, and the middleware that renders every
//! error response as the theme's error page for the site the request was for.

use crate::{
    error::{Error, ErrorPage},
    extract::CurrentSite,
    meta,
    state::AppState,
    views::Layout,
};
use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::Serialize;
use std::any::Any;

/// The fallback for addresses no route knows.
pub async fn not_found() -> Error {
    Error::NotFound
}

/// Turns a panic into a 500 error page (the panic itself is logged by the hook in `main`).
pub fn panic_response(_: Box<dyn Any + Send + 'static>) -> Response {
    let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    response.extensions_mut().insert(ErrorPage {
        title: "Something went wrong",
        message: "The page could not be shown because of a problem on our side. Please try again in a moment.".into(),
    });
    response
}

#[derive(Serialize)]
struct ErrorContext {
    layout: Layout,
    status: u16,
    title: &'static str,
    message: String,
}

/// Replaces the body of any response that carries an [`ErrorPage`] with the themed page.
pub async fn error_pages(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let site = app
        .sites
        .for_request(
            &app.store,
            app.cache.freshness(),
            &parts.headers,
            &parts.uri,
        )
        .await;
    let is_head = parts.method == Method::HEAD;
    let mut request = Request::from_parts(parts, body);
    let route = crate::metrics::route_label(&request);
    if let Ok(Some(site)) = &site {
        // Handlers and the page cache find the site here instead of looking it up again.
        request.extensions_mut().insert(CurrentSite(site.clone()));
    }
    let mut response = next.run(request).await;
    // For metrics and the page cache: which route answered.
    response
        .extensions_mut()
        .insert(crate::cache::RoutePattern(route));
    let Some(page) = response.extensions_mut().remove::<ErrorPage>() else {
        return response;
    };
    let status = response.status();
    let html = render(&app, site.ok().flatten(), status, &page).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // HEAD tells the length GET would send.
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(html.len()));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    *response.body_mut() = if is_head {
        Body::empty()
    } else {
        Body::from(html)
    };
    response
}

async fn render(
    app: &AppState,
    site: Option<encore_core::site::Site>,
    status: StatusCode,
    page: &ErrorPage,
) -> String {
    let Some(site) = site else {
        return plain(status, page);
    };
    let head = || meta::error_head(&site, page.title, &page.message);
    let now = app.clock.now();
    let layout = match Layout::load(app, &site, "", head(), now).await {
        Ok(layout) => layout,
        Err(_) => Layout::bare(app, &site, "", head()),
    };
    let context = ErrorContext {
        layout,
        status: status.as_u16(),
        title: page.title,
        message: page.message.clone(),
    };
    app.theme
        .render("error.html", &context)
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "the error page template failed");
            plain(status, page)
        })
}

/// A minimal page for when neither the site nor the theme can help.
fn plain(status: StatusCode, page: &ErrorPage) -> String {
    let escape = encore_core::html::escape;
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{code} {title}</title></head>\
         <body><main><h1>{title}</h1><p>{message}</p></main></body></html>",
        code = status.as_u16(),
        title = escape(page.title),
        message = escape(&page.message)
    )
}
