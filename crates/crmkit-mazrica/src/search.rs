//! Typed builders for the bodies of `search_customers` and `search_contacts`: a filter tree
//! of `AND`/`OR` groups and field comparisons, an optional sort and a page.

use std::fmt;
use std::num::NonZeroU32;

use crate::types::{
    CompositeFilter, CompositeFilterLogicalOperator, SearchField, SearchFilter, SearchRequest,
    SearchSort, SearchSortField, SearchSortOrder, SearchValue, ValueFilter,
};

/// A search body. [`build`](Self::build) checks it and produces the generated
/// [`SearchRequest`]; a `Search` can also be passed to `.body(..)` directly.
///
/// ```
/// use crmkit_mazrica::{Filter, Search};
///
/// let body = Search::new(Filter::any([
///     Filter::field("name").eq("Acme"),
///     Filter::item_key("rank").eq(3),
/// ]))
/// .sort_desc("updatedAt")
/// .build()
/// .unwrap();
/// assert_eq!(body.filter.composite_filter.unwrap().sub_filters.len(), 2);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Search {
    filter: Filter,
    sort: Option<(String, SearchSortOrder)>,
    page: Option<NonZeroU32>,
    limit: Option<NonZeroU32>,
}

impl Search {
    /// A search for the records matching `filter`, in the API's default order, first page.
    pub fn new(filter: Filter) -> Self {
        Search {
            filter,
            sort: None,
            page: None,
            limit: None,
        }
    }

    /// Ascending by the field `name`.
    pub fn sort_asc(mut self, name: impl Into<String>) -> Self {
        self.sort = Some((name.into(), SearchSortOrder::Asc));
        self
    }

    /// Descending by the field `name`.
    pub fn sort_desc(mut self, name: impl Into<String>) -> Self {
        self.sort = Some((name.into(), SearchSortOrder::Desc));
        self
    }

    /// The page to return (1-based; the streams set it themselves).
    pub fn page(mut self, page: NonZeroU32) -> Self {
        self.page = Some(page);
        self
    }

    /// Items per page (the API's default is 100; at most 1000, larger values are sent as
    /// 1000).
    pub fn limit(mut self, limit: NonZeroU32) -> Self {
        self.limit = NonZeroU32::new(limit.get().min(1000));
        self
    }

    /// The request body. Fails on an empty field name, item key or operator, an empty
    /// `all`/`any` group, or a decimal that is not finite.
    pub fn build(self) -> Result<SearchRequest, SearchError> {
        let sort = match self.sort {
            None => None,
            Some((name, order)) => {
                non_empty(&name, "sort field")?;
                Some(SearchSort {
                    field: Some(SearchSortField { name: Some(name) }),
                    order: Some(order),
                })
            }
        };
        Ok(SearchRequest {
            filter: self.filter.build()?,
            sort,
            page: self
                .page
                .map(|p| i32::try_from(p.get()).unwrap_or(i32::MAX)),
            limit: self.limit,
        })
    }
}

impl TryFrom<Search> for SearchRequest {
    type Error = SearchError;
    fn try_from(search: Search) -> Result<Self, SearchError> {
        search.build()
    }
}

/// A node of a search's filter tree: a group of filters that must all (`AND`) or any
/// (`OR`) match, or one comparison made with [`Filter::field`], [`Filter::item_key`] or
/// [`Filter::item_id`].
#[derive(Clone, Debug, PartialEq)]
pub struct Filter(Node);

#[derive(Clone, Debug, PartialEq)]
enum Node {
    Group(CompositeFilterLogicalOperator, Vec<Filter>),
    Compare(Condition, String, FilterValue),
}

impl Filter {
    /// Every one of `filters` must match (`AND`).
    pub fn all(filters: impl IntoIterator<Item = Filter>) -> Self {
        Filter(Node::Group(
            CompositeFilterLogicalOperator::And,
            filters.into_iter().collect(),
        ))
    }

    /// At least one of `filters` must match (`OR`).
    pub fn any(filters: impl IntoIterator<Item = Filter>) -> Self {
        Filter(Node::Group(
            CompositeFilterLogicalOperator::Or,
            filters.into_iter().collect(),
        ))
    }

    /// A comparison on the standard field `name` (e.g. `name`, `telNo`).
    pub fn field(name: impl Into<String>) -> Condition {
        Condition {
            field: SearchField {
                name: Some(name.into()),
                ..SearchField::default()
            },
        }
    }

    /// A comparison on the custom item with key `key` (項目キー).
    pub fn item_key(key: impl Into<String>) -> Condition {
        Condition {
            field: SearchField {
                item_key: Some(key.into()),
                ..SearchField::default()
            },
        }
    }

    /// A comparison on the custom item with definition id `id`.
    pub fn item_id(id: i64) -> Condition {
        Condition {
            field: SearchField {
                custom_item_id: Some(id),
                ..SearchField::default()
            },
        }
    }

    fn build(self) -> Result<SearchFilter, SearchError> {
        match self.0 {
            Node::Group(op, filters) => {
                if filters.is_empty() {
                    return Err(SearchError(format!("an empty {op} group matches nothing")));
                }
                let sub_filters = filters
                    .into_iter()
                    .map(Filter::build)
                    .collect::<Result<_, _>>()?;
                Ok(SearchFilter {
                    composite_filter: Some(CompositeFilter {
                        logical_operator: Some(op),
                        sub_filters,
                    }),
                    value_filter: None,
                })
            }
            Node::Compare(condition, op, value) => {
                let f = &condition.field;
                for (what, v) in [
                    ("field name", &f.name),
                    ("item key", &f.item_key),
                    ("reference", &f.reference),
                ] {
                    if let Some(v) = v {
                        non_empty(v, what)?;
                    }
                }
                non_empty(&op, "comparison operator")?;
                Ok(SearchFilter {
                    composite_filter: None,
                    value_filter: Some(ValueFilter {
                        comparison_operator: Some(op),
                        field: Some(condition.field),
                        value: Some(value.build()?),
                    }),
                })
            }
        }
    }
}

/// The field side of a comparison; finish it with [`eq`](Self::eq) or [`op`](Self::op).
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    field: SearchField,
}

impl Condition {
    /// The field belongs to the related object `reference` (参照先関連オブジェクト). Only the
    /// contact search accepts it.
    pub fn reference(mut self, reference: impl Into<String>) -> Self {
        self.field.reference = Some(reference.into());
        self
    }

    /// The field equals `value` (operator `=`).
    pub fn eq(self, value: impl Into<FilterValue>) -> Filter {
        self.op("=", value)
    }

    /// The field compared with `value` by `operator`, sent as given. `=` is the only
    /// operator the vendor's document shows; its list of the others is lost.
    pub fn op(self, operator: impl Into<String>, value: impl Into<FilterValue>) -> Filter {
        Filter(Node::Compare(self, operator.into(), value.into()))
    }
}

/// A value to compare with; the member of the body is chosen by the variant.
#[derive(Clone, Debug, PartialEq)]
pub enum FilterValue {
    /// `stringValue`.
    String(String),
    /// `integerValue`.
    Integer(i64),
    /// `decimalValue` (must be finite).
    Decimal(f64),
    /// `datetimeValue`, sent as written, e.g. `2018-04-01T10:30:00+09:00`.
    Datetime(String),
}

impl FilterValue {
    /// A date-time value (`datetimeValue`), sent as written.
    pub fn datetime(value: impl Into<String>) -> Self {
        FilterValue::Datetime(value.into())
    }

    fn build(self) -> Result<SearchValue, SearchError> {
        let mut out = SearchValue::default();
        match self {
            FilterValue::String(s) => out.string_value = Some(s),
            FilterValue::Integer(i) => out.integer_value = Some(i),
            FilterValue::Decimal(d) if d.is_finite() => out.decimal_value = Some(d),
            FilterValue::Decimal(d) => {
                return Err(SearchError(format!("the decimal value {d} is not finite")));
            }
            FilterValue::Datetime(s) => {
                non_empty(&s, "date-time value")?;
                out.datetime_value = Some(s);
            }
        }
        Ok(out)
    }
}

impl From<&str> for FilterValue {
    fn from(s: &str) -> Self {
        FilterValue::String(s.to_string())
    }
}

impl From<String> for FilterValue {
    fn from(s: String) -> Self {
        FilterValue::String(s)
    }
}

impl From<i64> for FilterValue {
    fn from(i: i64) -> Self {
        FilterValue::Integer(i)
    }
}

impl From<i32> for FilterValue {
    fn from(i: i32) -> Self {
        FilterValue::Integer(i.into())
    }
}

impl From<u32> for FilterValue {
    fn from(i: u32) -> Self {
        FilterValue::Integer(i.into())
    }
}

impl From<f64> for FilterValue {
    fn from(d: f64) -> Self {
        FilterValue::Decimal(d)
    }
}

fn non_empty(value: &str, what: &str) -> Result<(), SearchError> {
    if value.trim().is_empty() {
        Err(SearchError(format!("the {what} is empty")))
    } else {
        Ok(())
    }
}

/// A search body that would be refused or mean nothing; the message says what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchError(pub String);

impl fmt::Display for SearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid search: {}", self.0)
    }
}

impl std::error::Error for SearchError {}

impl From<SearchError> for crmkit_runtime::Error {
    fn from(e: SearchError) -> Self {
        crmkit_runtime::Error::InvalidRequest(e.to_string())
    }
}
