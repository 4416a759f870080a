//! Error pages: the 404 fallback, the panic handler, and the middleware that renders every
//! error response as the theme's error page for the site the request was for.

use crate::{
    error::{Error, ErrorPage},
    extract::request_host,
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
    let host = request_host(&parts).unwrap_or_default();
    let is_head = parts.method == Method::HEAD;
    let path = parts.uri.path().to_owned();
    let mut response = next.run(Request::from_parts(parts, body)).await;
    let Some(page) = response.extensions_mut().remove::<ErrorPage>() else {
        return response;
    };
    let status = response.status();
    let html = render(&app, &host, &path, status, &page).await;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response.headers_mut().remove(header::CONTENT_LENGTH);
    *response.body_mut() = if is_head {
        Body::empty()
    } else {
        Body::from(html)
    };
    response
}

async fn render(
    app: &AppState,
    host: &str,
    path: &str,
    status: StatusCode,
    page: &ErrorPage,
) -> String {
    let Ok(Some(site)) = app.store.sites().for_host(host).await else {
        return plain(status, page);
    };
    let head = meta::page_head(&site, Some(page.title), &page.message, path);
    let now = app.clock.now();
    let layout = match Layout::load(app, &site, path, head, now).await {
        Ok(layout) => layout,
        Err(_) => Layout::bare(
            app,
            &site,
            path,
            meta::page_head(&site, Some(page.title), &page.message, path),
        ),
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
