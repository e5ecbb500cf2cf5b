//! Cursor pagination for the API's lists, newest first. A cursor is the
//! `(created_at, id)` of the last row of the previous page, written as
//! URL-safe base64 of `"<RFC 3339 time>|<uuid>"`; clients treat it as
//! opaque and pass back the `next_cursor` they were given. One
//! [`PageRequest`] per list call reads `limit` and `cursor`, asks the store
//! for one row more than the page, and gives the next cursor if that row
//! came back.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::problem::ApiError;
use crate::service::codes;

/// The page size when `limit` is left out.
const DEFAULT_LIMIT: i64 = 50;
/// The largest page.
const MAX_LIMIT: i64 = 500;

/// A page to list: its size and where it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: i64,
    /// Rows after this `(created_at, id)`; None for the first page.
    pub after: Option<(DateTime<Utc>, Uuid)>,
}

impl PageRequest {
    /// The page the query's `limit` and `cursor` ask for: 1 to 500 rows,
    /// 50 when `limit` is left out (an empty `limit=` is not a number, so it
    /// is refused like any other text); an empty `cursor=` is the first page.
    /// A bad value is a 422 naming its parameter.
    pub fn parse(limit: Option<&str>, cursor: Option<&str>) -> Result<Self, ApiError> {
        let limit = match limit.map(str::parse::<i64>) {
            None => DEFAULT_LIMIT,
            Some(Ok(l @ 1..=MAX_LIMIT)) => l,
            Some(_) => return Err(ApiError::field("limit", codes::OUT_OF_RANGE, "Use 1 to 500")),
        };
        let after = cursor.filter(|c| !c.is_empty()).map(decode).transpose()?;
        Ok(Self { limit, after })
    }

    /// How many rows to ask the store for: one more than the page, which
    /// says whether another page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// Cut the fetched `rows` to the page; the `next_cursor` when more follow.
    pub fn finish<T>(&self, rows: &mut Vec<T>, key: impl Fn(&T) -> (DateTime<Utc>, Uuid)) -> Option<String> {
        let more = rows.len() as i64 > self.limit;
        rows.truncate(self.limit as usize);
        if more { rows.last().map(|row| encode(key(row))) } else { None }
    }
}

fn encode((at, id): (DateTime<Utc>, Uuid)) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{id}", at.to_rfc3339()))
}

fn decode(raw: &str) -> Result<(DateTime<Utc>, Uuid), ApiError> {
    let bad = || ApiError::field("cursor", codes::INVALID, "Use the next_cursor of a previous page");
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad())?).map_err(|_| bad())?;
    let (at, id) = text.split_once('|').ok_or_else(bad)?;
    Ok((DateTime::parse_from_rfc3339(at).map_err(|_| bad())?.with_timezone(&Utc), id.parse().map_err(|_| bad())?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: &i64) -> (DateTime<Utc>, Uuid) {
        (DateTime::from_timestamp(*n, 0).unwrap(), Uuid::from_u128(*n as u128))
    }

    #[test]
    fn a_full_page_gives_the_cursor_of_its_last_row_and_the_cursor_reads_back() {
        let page = PageRequest::parse(Some("2"), None).unwrap();
        assert_eq!(page.fetch(), 3);
        let mut rows = vec![30, 20, 10];
        let next = page.finish(&mut rows, key).expect("a next page");
        assert_eq!(rows, vec![30, 20]);
        assert_eq!(PageRequest::parse(Some("2"), Some(&next)).unwrap().after, Some(key(&20)));
        let mut last = vec![10];
        assert_eq!(page.finish(&mut last, key), None, "no row beyond the page: no next cursor");
    }

    #[test]
    fn the_cursor_format_is_base64_of_time_and_id() {
        let (at, id) = key(&0);
        assert_eq!(encode((at, id)), URL_SAFE_NO_PAD.encode(format!("1970-01-01T00:00:00+00:00|{id}")));
    }

    #[test]
    fn limits_and_cursors_out_of_shape_are_refused_naming_the_parameter() {
        assert_eq!(PageRequest::parse(None, Some("")).unwrap(), PageRequest { limit: 50, after: None });
        assert_eq!(PageRequest::parse(Some("500"), None).unwrap().limit, 500);
        for limit in ["0", "501", "", "ten", "-1"] {
            let e = PageRequest::parse(Some(limit), None).unwrap_err();
            assert_eq!(e.errors[0].field, "limit", "{limit:?}");
        }
        let no_bar = URL_SAFE_NO_PAD.encode("2024-01-01T00:00:00Z");
        let bad_id = URL_SAFE_NO_PAD.encode("2024-01-01T00:00:00Z|nope");
        for cursor in ["%%%", "bm9wZQ", no_bar.as_str(), bad_id.as_str()] {
            let e = PageRequest::parse(None, Some(cursor)).unwrap_err();
            assert_eq!(e.errors[0].field, "cursor", "{cursor:?}");
        }
    }
}
