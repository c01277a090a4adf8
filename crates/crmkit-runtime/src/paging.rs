//! One generic pager: "fetch page N" plus "is there more" becomes a lazy stream of items.
//!
//! The generated `into_stream()` of every list builder (declared in the spec with
//! `x-crmkit-paging`) drives [`pages`]; hand-written lists use [`paginate`].

use std::future::Future;

use futures_util::stream::{self, BoxStream, StreamExt};

use crate::error::Error;

/// One page of a list: its items and where the next page starts (`None` at the end).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T, C> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The cursor of the next page (offset, page number, token), or `None` for the last.
    pub next: Option<C>,
}

/// A stream of every item of every page, fetched lazily: a page is requested only when the
/// items before it have been consumed. The stream ends after a page with no `next`, after an
/// empty page (a vendor that claims more but sends nothing would loop forever), or after the
/// first error, which it yields.
pub fn paginate<'a, T, C, F, Fut>(first: C, fetch: F) -> BoxStream<'a, Result<T, Error>>
where
    T: Send + 'a,
    C: Send + 'a,
    F: FnMut(C) -> Fut + Send + 'a,
    Fut: Future<Output = Result<Page<T, C>, Error>> + Send + 'a,
{
    stream::unfold((fetch, Some(first)), |(mut fetch, cursor)| async move {
        let cursor = cursor?;
        match fetch(cursor).await {
            Ok(page) => {
                let next = if page.items.is_empty() {
                    None
                } else {
                    page.next
                };
                let items: Vec<Result<T, Error>> = page.items.into_iter().map(Ok).collect();
                Some((stream::iter(items), (fetch, next)))
            }
            Err(e) => Some((stream::iter(vec![Err(e)]), (fetch, None))),
        }
    })
    .flatten()
    .boxed()
}

/// A stream of every item of a list, owning everything it needs (a clone of the client):
/// no lifetime ties it to the caller.
pub type ItemStream<T> = BoxStream<'static, Result<T, Error>>;

/// How a list moves from one page to the next (`x-crmkit-paging` `style`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// A 1-based page number: 1, 2, 3, …
    Page,
    /// A 0-based item offset: 0, then the items received so far.
    Offset,
}

/// One page as the generated code reads it from the typed answer.
#[derive(Debug)]
pub struct Answer<T> {
    /// The items of the page.
    pub items: Vec<T>,
    /// Whether the answer says another page follows (`more`, or `current < last`).
    pub more: Option<bool>,
    /// The total number of items across all pages, when the answer tells it.
    pub total: Option<u64>,
}

/// Every item of every page: `fetch(cursor)` fetches the page at `cursor` (a page number
/// or an offset, by `style`). The stream ends after an empty page, when the answer says
/// no more follow, when the items seen reach the total, or — when the answer does not say
/// whether more follow — after a page shorter than `size` (the page size the caller asked
/// for), or than the first page when the caller asked for none.
pub fn pages<T, F, Fut>(style: Style, size: Option<u64>, mut fetch: F) -> ItemStream<T>
where
    T: Send + 'static,
    F: FnMut(u32) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Answer<T>, Error>> + Send + 'static,
{
    let first = match style {
        Style::Page => 1,
        Style::Offset => 0,
    };
    // The cursor, the items seen so far, and the size of the first page.
    paginate(
        (first, 0u64, None::<usize>),
        move |(cursor, seen, first_len)| {
            let answer = fetch(cursor);
            async move {
                let page = answer.await?;
                let got = page.items.len();
                let seen = seen.saturating_add(got as u64);
                let first_len = first_len.unwrap_or(got);
                // `more` is trusted; without it, a page shorter than the first is the last.
                let more = match (page.more, page.total) {
                    (Some(false), _) => false,
                    (_, Some(total)) if seen >= total => false,
                    (Some(true), _) => true,
                    (None, _) => got as u64 >= size.unwrap_or(first_len as u64),
                };
                let step = match style {
                    Style::Page => Some(1),
                    Style::Offset => u32::try_from(got).ok(),
                };
                let next = more
                    .then(|| step.and_then(|s| cursor.checked_add(s)))
                    .flatten()
                    .map(|c| (c, seen, Some(first_len)));
                Ok(Page {
                    items: page.items,
                    next,
                })
            }
        },
    )
}

/// A page number or offset as the type of the field that carries it (`i32`, `u32`,
/// `NonZeroU32`, `Option<…>`); see [`number`].
pub trait PageNumber: Sized {
    /// `n` as this type; `None` when it does not fit.
    fn from_u32(n: u32) -> Option<Self>;
}

macro_rules! page_numbers {
    ($($t:ty),*) => {$(
        impl PageNumber for $t {
            fn from_u32(n: u32) -> Option<Self> {
                <$t>::try_from(n).ok()
            }
        }
    )*};
}
page_numbers!(i32, i64, u32, u64, std::num::NonZeroU32);

impl<T: PageNumber> PageNumber for Option<T> {
    fn from_u32(n: u32) -> Option<Self> {
        T::from_u32(n).map(Some)
    }
}

/// A page size as a builder field holds it (`i32`, `NonZeroU32`, `Option<…>`), as a count.
pub trait PageSize {
    /// The size, when set and positive.
    fn count(&self) -> Option<u64>;
}

macro_rules! page_sizes {
    ($($t:ty),*) => {$(
        impl PageSize for $t {
            fn count(&self) -> Option<u64> {
                u64::try_from(self.clone()).ok().filter(|n| *n > 0)
            }
        }
    )*};
}
page_sizes!(i32, i64, u32, u64);

impl PageSize for std::num::NonZeroU32 {
    fn count(&self) -> Option<u64> {
        Some(u64::from(self.get()))
    }
}

impl<T: PageSize> PageSize for Option<T> {
    fn count(&self) -> Option<u64> {
        self.as_ref().and_then(PageSize::count)
    }
}

/// The page size a builder's field asks for, if it was set to a valid one.
pub fn size<T: PageSize>(field: &Result<T, String>) -> Option<u64> {
    field.as_ref().ok().and_then(PageSize::count)
}

/// `n` as the type of a body field holding a page number; an error when it does not fit.
pub fn number<T: PageNumber>(operation: &str, n: u32) -> Result<T, Error> {
    T::from_u32(n)
        .ok_or_else(|| Error::InvalidRequest(format!("{operation}: page {n} does not fit")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn yields_every_item_lazily_and_stops() {
        let calls = AtomicUsize::new(0);
        let calls = &calls;
        let mut s = paginate(0usize, move |from| async move {
            calls.fetch_add(1, Ordering::SeqCst);
            let items: Vec<usize> = (from..(from + 2).min(5)).collect();
            let next = (from + 2 < 5).then_some(from + 2);
            Ok(Page { items, next })
        });
        assert_eq!(s.next().await.unwrap().unwrap(), 0);
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "only the first page so far"
        );
        let rest: Vec<usize> = s.map(|r| r.unwrap()).collect().await;
        assert_eq!(rest, vec![1, 2, 3, 4]);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn an_empty_page_that_claims_more_ends_the_stream() {
        let s = paginate(0u32, |n| async move {
            Ok(Page::<u32, u32> {
                items: vec![],
                next: Some(n + 1),
            })
        });
        assert_eq!(s.count().await, 0);
    }

    #[tokio::test]
    async fn an_error_is_yielded_once_then_the_stream_ends() {
        let s = paginate(0u32, |_| async {
            Err::<Page<u32, u32>, _>(Error::InvalidRequest("x".into()))
        });
        let all: Vec<_> = s.collect().await;
        assert_eq!(all.len(), 1);
        assert!(all[0].is_err());
    }

    #[tokio::test]
    async fn pages_end_as_the_answer_says() {
        // `more`: trusted, whatever the page sizes.
        let calls = std::sync::Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let all: Vec<u32> = pages(Style::Page, None, move |page| {
            c.fetch_add(1, Ordering::SeqCst);
            async move {
                Ok(Answer {
                    items: vec![page; if page == 1 { 3 } else { 1 }],
                    more: Some(page < 3),
                    total: None,
                })
            }
        })
        .map(|r| r.unwrap())
        .collect()
        .await;
        assert_eq!(all, [1, 1, 1, 2, 3]);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        // An offset list with neither `more` nor a total ends after a short page.
        let offsets: Vec<u32> = pages(Style::Offset, None, |from| async move {
            let items: Vec<u32> = (from..(from + 2).min(5)).collect();
            Ok(Answer {
                items,
                more: None,
                total: None,
            })
        })
        .map(|r| r.unwrap())
        .collect()
        .await;
        assert_eq!(offsets, [0, 1, 2, 3, 4]);
        // A total ends the list when reached.
        let counted: Vec<u32> = pages(Style::Page, None, |page| async move {
            Ok(Answer {
                items: vec![page, page],
                more: None,
                total: Some(4),
            })
        })
        .map(|r| r.unwrap())
        .collect()
        .await;
        assert_eq!(counted, [1, 1, 2, 2]);
        // A server that ignores the cursor and answers fewer items than asked for ends
        // after one page, however often it would repeat itself.
        let one: Vec<u32> = pages(Style::Offset, Some(50), |_| async move {
            Ok(Answer {
                items: vec![7, 7],
                more: None,
                total: None,
            })
        })
        .map(|r| r.unwrap())
        .collect()
        .await;
        assert_eq!(one, [7, 7]);
    }

    #[test]
    fn page_numbers_fit_their_field() {
        assert_eq!(number::<Option<i32>>("op", 3).unwrap(), Some(3));
        assert!(number::<std::num::NonZeroU32>("op", 0).is_err());
        assert!(number::<i32>("op", u32::MAX).is_err());
    }
}
