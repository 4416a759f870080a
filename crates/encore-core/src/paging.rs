//! Pagination of post lists: page numbers from URLs, offsets for queries, links for templates.

use serde::Serialize;

/// The highest page number accepted from a URL; beyond it a list is certainly empty.
const MAX_PAGE: u32 = 100_000;

/// A 1-based page of a list with a fixed number of items per page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// The page number, starting at 1.
    pub number: u32,
    /// Items per page, at least 1.
    pub per_page: u32,
}

impl PageRequest {
    /// A request for page `number` (1-based); `None` for 0 or absurdly large numbers.
    pub fn new(number: u32, per_page: u32) -> Option<Self> {
        (1..=MAX_PAGE).contains(&number).then_some(Self {
            number,
            per_page: per_page.max(1),
        })
    }

    /// The first page.
    pub fn first(per_page: u32) -> Self {
        Self {
            number: 1,
            per_page: per_page.max(1),
        }
    }

    /// How many rows a query skips.
    pub fn offset(&self) -> i64 {
        i64::from(self.number - 1) * i64::from(self.per_page)
    }

    /// How many rows a query returns at most.
    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }
}

/// One page of items plus what a template needs to link to the neighbouring pages.
#[derive(Debug, Clone, Serialize)]
pub struct Paginated<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// This page's number (1-based).
    pub number: u32,
    /// The number of pages, at least 1.
    pub total_pages: u32,
    /// The number of items over all pages.
    pub total_items: u64,
}

impl<T> Paginated<T> {
    /// Wraps the items of `request` from a list of `total_items`.
    pub fn new(items: Vec<T>, request: PageRequest, total_items: u64) -> Self {
        let per_page = u64::from(request.per_page);
        let total_pages = total_items.div_ceil(per_page).max(1);
        Self {
            items,
            number: request.number,
            total_pages: u32::try_from(total_pages).unwrap_or(u32::MAX),
            total_items,
        }
    }

    /// Whether a page past the last one was asked for (such a page is a 404, not an empty list).
    pub fn is_past_end(&self) -> bool {
        self.number > self.total_pages
    }

    /// The previous page's number, if any.
    pub fn prev(&self) -> Option<u32> {
        (self.number > 1).then(|| self.number - 1)
    }

    /// The next page's number, if any.
    pub fn next(&self) -> Option<u32> {
        (self.number < self.total_pages).then(|| self.number + 1)
    }

    /// Converts the items, keeping the page numbers.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paginated<U> {
        Paginated {
            items: self.items.into_iter().map(f).collect(),
            number: self.number,
            total_pages: self.total_pages,
            total_items: self.total_items,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_know_their_neighbours() {
        let req = PageRequest::new(2, 10).unwrap();
        assert_eq!(req.offset(), 10);
        let page = Paginated::new(vec![1; 10], req, 25);
        assert_eq!(page.total_pages, 3);
        assert_eq!(page.prev(), Some(1));
        assert_eq!(page.next(), Some(3));
        assert!(!page.is_past_end());
    }

    #[test]
    fn an_empty_list_has_one_page_and_no_past_end_on_page_one() {
        let page: Paginated<u8> = Paginated::new(vec![], PageRequest::first(10), 0);
        assert_eq!(page.total_pages, 1);
        assert!(!page.is_past_end());
        assert_eq!(page.next(), None);
        let far: Paginated<u8> = Paginated::new(vec![], PageRequest::new(4, 10).unwrap(), 12);
        assert!(far.is_past_end());
    }

    #[test]
    fn page_zero_and_absurd_pages_are_refused() {
        assert!(PageRequest::new(0, 10).is_none());
        assert!(PageRequest::new(MAX_PAGE + 1, 10).is_none());
    }
}
