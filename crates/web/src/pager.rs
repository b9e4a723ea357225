//! Links between the pages of a long list, for pages that work without JavaScript: where the
//! previous and next pages are (`rel="prev"`/`rel="next"`), and which items this one shows.

/// The page links of one page of a list (`pager.html` shows them).
pub struct Pager {
    /// 1-based positions of the first and last item shown (0 and 0 when none is).
    pub first: usize,
    pub last: usize,
    /// How many items the whole list has, when that is known without reading it all.
    pub total: Option<usize>,
    pub previous: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// Page `page` (1-based) of `per_page` items showing `shown`, at `base` (a path, with or
    /// without a query, never with `page`); page 1 is `base` itself.
    pub fn new(base: &str, page: u64, per_page: usize, shown: usize, has_next: bool, total: Option<usize>) -> Pager {
        let link = |n: u64| {
            if n == 1 {
                base.to_string()
            } else {
                let separator = if base.contains('?') { '&' } else { '?' };
                format!("{base}{separator}page={n}")
            }
        };
        let skipped = (page as usize - 1) * per_page;
        Pager {
            first: if shown == 0 { 0 } else { skipped + 1 },
            last: skipped + shown,
            total,
            previous: (page > 1).then(|| link(page - 1)),
            next: has_next.then(|| link(page + 1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_query_and_page_one_is_the_plain_address() {
        let second = Pager::new("/trending?days=7", 2, 30, 30, true, Some(75));
        assert_eq!(second.previous.as_deref(), Some("/trending?days=7"));
        assert_eq!(second.next.as_deref(), Some("/trending?days=7&page=3"));
        assert_eq!((second.first, second.last), (31, 60));
        let last = Pager::new("/authors/Ada", 3, 30, 15, false, None);
        assert_eq!(last.previous.as_deref(), Some("/authors/Ada?page=2"));
        assert_eq!(last.next, None);
        assert_eq!((last.first, last.last), (61, 75));
        let empty = Pager::new("/authors/Ada", 1, 30, 0, false, None);
        assert_eq!((empty.first, empty.last, empty.previous), (0, 0, None));
    }
}
