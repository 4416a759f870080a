//! Stored renderings: posts keep their HTML from when they were saved; when a release changes the
//! renderer, the posts rendered by an older one are rendered again, once.

use crate::{App, Result};
use encore_core::{
    change::{Change, Topic},
    markdown::RENDERER_VERSION,
    post::Rendered,
};

/// Renders again every post whose stored HTML an older renderer made; returns how many. Safe to
/// run on several nodes at once (they write the same result).
pub async fn rerender_stale(app: &App) -> Result<usize> {
    let mut done = 0;
    loop {
        let batch = app
            .store()
            .posts()
            .stale_renders(RENDERER_VERSION, 200)
            .await?;
        if batch.is_empty() {
            return Ok(done);
        }
        for (site, stale) in batch {
            let rendered = Rendered::of(&stale.body, &stale.excerpt);
            let mut tx = app.store().begin().await?;
            tx.posts().set_rendered(site, stale.id, &rendered).await?;
            app.commit(tx, Change::on(site, [Topic::Post(stale.id)]))
                .await?;
            done += 1;
        }
    }
}
