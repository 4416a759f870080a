//! What every request needs and rarely changes, kept in memory.
//!
//! That is the sites by host, and each site's frame (menu and sidebar). Both are read again after a change that touches them, here or
//! in another process, and a frame also when the site's next scheduled post is due.

use crate::{
    cache::Freshness,
    views::{LinkCount, Sidebar},
};
use axum::http::{HeaderMap, Uri, header::HOST};
use chrono::{DateTime, Utc};
use encore_core::{address, ids::SiteId, site::Site};
use encore_store::{Result, Store, posts::PostLink};
use std::{
    collections::HashMap,
    sync::{Arc, PoisonError, RwLock},
};

/// The host a request names: the Host header, or the authority of an absolute request target.
/// `X-Forwarded-Host` is deliberately ignored: anyone can send it.
pub fn request_host(headers: &HeaderMap, uri: &Uri) -> Option<String> {
    let raw = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))?;
    encore_core::site::normalize_host(raw)
}

/// The sites of the instance by host, in memory.
#[derive(Debug, Default)]
pub struct SiteMap {
    known: RwLock<Option<(u64, Arc<Known>)>>,
}

#[derive(Debug)]
struct Known {
    by_host: HashMap<String, Site>,
    default: Option<Site>,
}

impl SiteMap {
    /// The site a request is for: the one claiming its host, else the default site.
    pub async fn for_request(
        &self,
        store: &Store,
        freshness: &Freshness,
        headers: &HeaderMap,
        uri: &Uri,
    ) -> Result<Option<Site>> {
        let host = request_host(headers, uri).unwrap_or_default();
        let known = self.known(store, freshness).await?;
        Ok(known.by_host.get(&host).or(known.default.as_ref()).cloned())
    }

    /// The site a request is for, from memory alone: `None` when the sites must be read first.
    pub fn from_memory(
        &self,
        freshness: &Freshness,
        headers: &HeaderMap,
        uri: &Uri,
    ) -> Option<Option<Site>> {
        let guard = self.known.read().unwrap_or_else(PoisonError::into_inner);
        let (born, known) = guard.as_ref()?;
        if !freshness.sites_fresh(*born) {
            return None;
        }
        let host = request_host(headers, uri).unwrap_or_default();
        Some(known.by_host.get(&host).or(known.default.as_ref()).cloned())
    }

    async fn known(&self, store: &Store, freshness: &Freshness) -> Result<Arc<Known>> {
        if let Some((born, known)) = &*self.known.read().unwrap_or_else(PoisonError::into_inner)
            && freshness.sites_fresh(*born)
        {
            return Ok(known.clone());
        }
        let born = freshness.born();
        let sites = store.sites().list().await?;
        let known = Arc::new(Known {
            default: sites.iter().find(|s| s.is_default).cloned(),
            by_host: sites.into_iter().map(|s| (s.host.clone(), s)).collect(),
        });
        *self.known.write().unwrap_or_else(PoisonError::into_inner) = Some((born, known.clone()));
        Ok(known)
    }
}

/// A site's menu and sidebar, as every page shows them.
#[derive(Debug, Clone, Default)]
pub struct Frame {
    /// The site's public pages, for the menu.
    pub nav: Vec<PostLink>,
    /// Series, categories and archive years with counts.
    pub sidebar: Sidebar,
}

struct Remembered {
    born: u64,
    valid_until: Option<DateTime<Utc>>,
    frame: Arc<Frame>,
}

/// Each site's frame, in memory.
#[derive(Default)]
pub struct Frames {
    by_site: RwLock<HashMap<SiteId, Remembered>>,
}

impl std::fmt::Debug for Frames {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frames").finish_non_exhaustive()
    }
}

impl Frames {
    /// The frame of `site` as of `now`.
    pub async fn get(
        &self,
        store: &Store,
        freshness: &Freshness,
        site: SiteId,
        now: DateTime<Utc>,
    ) -> Result<Arc<Frame>> {
        if let Some(r) = self
            .by_site
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&site)
            && freshness.fresh(site, &[], r.born)
            && r.valid_until.is_none_or(|at| now < at)
        {
            return Ok(r.frame.clone());
        }
        let born = freshness.born();
        let frame = Arc::new(load(store, site, now).await?);
        let valid_until = store.posts().next_release(site, now).await?;
        self.by_site
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                site,
                Remembered {
                    born,
                    valid_until,
                    frame: frame.clone(),
                },
            );
        Ok(frame)
    }
}

async fn load(store: &Store, site: SiteId, now: DateTime<Utc>) -> Result<Frame> {
    let nav = store.posts().public_pages(site, now).await?;
    let series = store.series().in_use(site, now).await?;
    let categories = store.taxonomy().categories_in_use(site, now).await?;
    let years = store.posts().archive_years(site, now).await?;
    Ok(Frame {
        nav,
        sidebar: Sidebar {
            series: series
                .into_iter()
                .map(|c| LinkCount {
                    name: c.item.title.clone(),
                    path: c.item.path(),
                    count: c.posts,
                })
                .collect(),
            categories: categories
                .into_iter()
                .map(|c| LinkCount {
                    path: address::category(&c.item.slug),
                    name: c.item.name,
                    count: c.posts,
                })
                .collect(),
            years: years
                .into_iter()
                .map(|y| LinkCount {
                    name: y.year.to_string(),
                    path: address::year(i32::try_from(y.year).unwrap_or_default()),
                    count: y.posts,
                })
                .collect(),
        },
    })
}
