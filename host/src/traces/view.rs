//! What the viewer reads of a stored trace instead of all of it: the overview (counts and
//! the filtered-out candidates grouped by reason) and one page of the ranked shortlist,
//! searched by name and sorted by a column, computed by the server over each candidate's
//! [`Row`] (its name, result, levels and rejections: what [`super::columns::Index`]
//! holds), so that the browser gets 50 candidates, not 100,000.

use serde::{Deserialize, Serialize};

use super::columns::Ranked;

/// Rows of the shortlist a page gives when the query does not say.
pub const DEFAULT_LIMIT: usize = 50;

/// The most rows a page gives.
pub const MAX_LIMIT: usize = 500;

/// Names listed per group of filtered-out candidates, and per search of them; the
/// others are found by name.
pub const NAMES_LISTED: usize = 200;

/// What the viewer lists of one candidate.
#[derive(Clone, Debug, PartialEq)]
pub struct Row<'a> {
    /// Its position in the pool.
    pub position: usize,
    /// Its name.
    pub name: &'a str,
    /// Its result, when no filter rejected it.
    pub ranked: Option<Ranked>,
    /// Per dimension of the manifest: its level, 1 for `L1` to 4, 0 when not rated.
    pub levels: Vec<u8>,
    /// The filters that rejected it, with their reasons.
    pub rejections: Vec<(&'a str, &'a str)>,
}

/// The counts of a trace's candidates, and the filtered-out ones grouped by reason.
#[derive(Debug, Serialize)]
pub struct Overview<'a> {
    /// Candidates in the pool.
    pub candidates: usize,
    /// Candidates with a result.
    pub eligible: usize,
    /// Candidates a filter rejected.
    pub filtered: usize,
    /// The rejections, most common first.
    pub rejections: Vec<Group<'a>>,
}

/// The candidates one filter rejected for one reason.
#[derive(Debug, Serialize)]
pub struct Group<'a> {
    /// The filter.
    pub module: &'a str,
    /// Its reason.
    pub reason: &'a str,
    /// How many it rejected for it.
    pub count: usize,
    /// The first [`NAMES_LISTED`] of them, in pool order.
    pub names: Vec<&'a str>,
}

/// The overview of a trace's candidates.
pub fn overview<'a>(rows: &[Row<'a>]) -> Overview<'a> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    let mut found: std::collections::HashMap<(&str, &str), usize> = Default::default();
    for row in rows {
        for &(module, reason) in &row.rejections {
            let g = *found.entry((module, reason)).or_insert_with(|| {
                groups.push(Group {
                    module,
                    reason,
                    count: 0,
                    names: Vec::new(),
                });
                groups.len() - 1
            });
            let group = &mut groups[g];
            group.count += 1;
            if group.names.len() < NAMES_LISTED {
                group.names.push(row.name);
            }
        }
    }
    // Most common first; the first seen first among equals.
    groups.sort_by_key(|g| std::cmp::Reverse(g.count));
    Overview {
        candidates: rows.len(),
        eligible: rows.iter().filter(|r| r.ranked.is_some()).count(),
        filtered: rows.iter().filter(|r| !r.rejections.is_empty()).count(),
        rejections: groups,
    }
}

/// A page of the shortlist, as the query string asks for it.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Query {
    /// Only candidates whose name contains this, ignoring case.
    pub q: Option<String>,
    /// The column to sort by: `rank` (the default), `name`, `tier`, `fit`, `confidence`,
    /// or a dimension's name (its level).
    pub sort: Option<String>,
    /// `asc` (the default: best first, names A to Z) or `desc`.
    pub order: Option<String>,
    /// Rows to skip.
    pub offset: Option<usize>,
    /// Rows to give, 1 to [`MAX_LIMIT`]; [`DEFAULT_LIMIT`] when not given.
    pub limit: Option<usize>,
}

impl Query {
    /// Whether `order` asks for the worst first.
    ///
    /// # Errors
    ///
    /// An order other than `asc` and `desc`.
    pub fn descending(&self) -> Result<bool, QueryError> {
        match self.order.as_deref().unwrap_or("asc") {
            "asc" => Ok(false),
            "desc" => Ok(true),
            other => Err(QueryError {
                field: "order",
                message: format!("Order '{other}' is neither 'asc' nor 'desc'"),
            }),
        }
    }

    /// The rows a page gives.
    ///
    /// # Errors
    ///
    /// A limit outside 1 to [`MAX_LIMIT`].
    pub fn limit(&self) -> Result<usize, QueryError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(QueryError {
                field: "limit",
                message: format!("A page has 1 to {MAX_LIMIT} rows, not {limit}"),
            });
        }
        Ok(limit)
    }
}

/// A query parameter the shortlist cannot take.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct QueryError {
    /// The parameter.
    pub field: &'static str,
    /// What is wrong with it.
    pub message: String,
}

/// A column of the shortlist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sort {
    Rank,
    Name,
    Tier,
    Fit,
    Confidence,
    Level(usize),
}

/// One page of the shortlist.
#[derive(Debug, PartialEq)]
pub struct Shortlist<'a> {
    /// Candidates with a result that match the search.
    pub total: usize,
    /// Rows skipped.
    pub offset: usize,
    /// The page's candidates, by pool position, in the order asked for.
    pub positions: Vec<usize>,
    /// Filtered-out candidates that match the search (none without one).
    pub filtered_total: usize,
    /// The first [`NAMES_LISTED`] of them.
    pub filtered_names: Vec<&'a str>,
}

/// The page of the shortlist a query asks for.
///
/// # Errors
///
/// A sort column, order or limit it cannot take.
pub fn shortlist<'a>(
    rows: &[Row<'a>],
    dimensions: &[String],
    query: &Query,
) -> Result<Shortlist<'a>, QueryError> {
    let sort = match query.sort.as_deref().unwrap_or("rank") {
        "rank" => Sort::Rank,
        "name" => Sort::Name,
        "tier" => Sort::Tier,
        "fit" => Sort::Fit,
        "confidence" => Sort::Confidence,
        other => Sort::Level(dimensions.iter().position(|d| d == other).ok_or_else(|| {
            QueryError {
                field: "sort",
                message: format!(
                    "Cannot sort by '{other}': sort by rank, name, tier, fit, confidence or a dimension ({})",
                    dimensions.join(", ")
                ),
            }
        })?),
    };
    let descending = query.descending()?;
    let limit = query.limit()?;
    let needle = query.q.as_deref().unwrap_or("").trim().to_lowercase();
    let matches = |row: &Row<'_>| needle.is_empty() || row.name.to_lowercase().contains(&needle);
    let mut ranked: Vec<(&Row<'a>, Ranked)> = rows
        .iter()
        .filter_map(|row| Some((row, row.ranked?)))
        .filter(|(row, _)| matches(row))
        .collect();
    ranked.sort_by(|(a, x), (b, y)| {
        let by_column = match sort {
            Sort::Rank => std::cmp::Ordering::Equal,
            Sort::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
            Sort::Tier => x.tier.cmp(&y.tier),
            Sort::Fit => y.fit.total_cmp(&x.fit),
            Sort::Confidence => x.confidence.cmp(&y.confidence),
            Sort::Level(d) => a.levels[d].cmp(&b.levels[d]),
        };
        let order = by_column.then(x.rank.cmp(&y.rank));
        if descending { order.reverse() } else { order }
    });
    let offset = query.offset.unwrap_or(0);
    let positions = ranked
        .iter()
        .skip(offset)
        .take(limit)
        .map(|(row, _)| row.position)
        .collect();
    let (filtered_total, filtered_names) = if needle.is_empty() {
        (0, Vec::new())
    } else {
        let filtered: Vec<&str> = rows
            .iter()
            .filter(|row| !row.rejections.is_empty() && matches(row))
            .map(|row| row.name)
            .collect();
        let total = filtered.len();
        (total, filtered.into_iter().take(NAMES_LISTED).collect())
    };
    Ok(Shortlist {
        total: ranked.len(),
        offset,
        positions,
        filtered_total,
        filtered_names,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(position: usize, name: &'static str, rank: Option<(u32, usize, f64)>) -> Row<'static> {
        Row {
            position,
            name,
            ranked: rank.map(|(rank, tier, fit)| Ranked {
                rank,
                tier,
                fit,
                confidence: 0,
            }),
            levels: vec![rank.map_or(0, |(rank, _, _)| (rank % 4 + 1) as u8)],
            rejections: if rank.is_none() {
                vec![("appetite", "not in appetite")]
            } else {
                Vec::new()
            },
        }
    }

    fn rows() -> Vec<Row<'static>> {
        vec![
            row(0, "Beta Mutual", Some((2, 0, 88.0))),
            row(1, "Acme Re", None),
            row(2, "alpha casualty", Some((1, 0, 91.5))),
            row(3, "Gamma Beta", Some((3, 1, 70.0))),
            row(4, "Betamax", None),
        ]
    }

    fn page(query: Query) -> Shortlist<'static> {
        shortlist(&rows(), &["appetite".to_owned()], &query).unwrap()
    }

    #[test]
    fn the_shortlist_is_ranked_searched_sorted_and_paged() {
        assert_eq!(page(Query::default()).positions, [2, 0, 3]);
        let by_name = page(Query {
            sort: Some("name".into()),
            ..Query::default()
        });
        assert_eq!(by_name.positions, [2, 0, 3]);
        let worst_fit_first = page(Query {
            sort: Some("fit".into()),
            order: Some("desc".into()),
            ..Query::default()
        });
        assert_eq!(worst_fit_first.positions, [3, 0, 2]);
        let searched = page(Query {
            q: Some(" BETA ".into()),
            limit: Some(1),
            offset: Some(1),
            ..Query::default()
        });
        assert_eq!(
            searched,
            Shortlist {
                total: 2,
                offset: 1,
                positions: vec![3],
                filtered_total: 1,
                filtered_names: vec!["Betamax"],
            }
        );
    }

    #[test]
    fn a_query_it_cannot_take_names_its_parameter() {
        let dimensions = ["appetite".to_owned()];
        let bad = |query: Query| shortlist(&rows(), &dimensions, &query).unwrap_err().field;
        assert_eq!(
            bad(Query {
                sort: Some("colour".into()),
                ..Query::default()
            }),
            "sort"
        );
        assert_eq!(
            bad(Query {
                order: Some("up".into()),
                ..Query::default()
            }),
            "order"
        );
        assert_eq!(
            bad(Query {
                limit: Some(0),
                ..Query::default()
            }),
            "limit"
        );
    }

    #[test]
    fn the_overview_groups_rejections_by_reason() {
        let overview = overview(&rows());
        assert_eq!(
            (overview.candidates, overview.eligible, overview.filtered),
            (5, 3, 2)
        );
        assert_eq!(overview.rejections.len(), 1);
        assert_eq!(overview.rejections[0].count, 2);
        assert_eq!(overview.rejections[0].names, ["Acme Re", "Betamax"]);
    }
}
