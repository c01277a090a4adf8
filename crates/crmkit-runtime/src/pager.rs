//! One generic pager: "fetch page N" plus "is there more" becomes a lazy stream of items.

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
}
