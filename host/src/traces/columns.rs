//! The columnar form of a stored trace, in pages: an index and the pages of texts it
//! refers to, each stored as its own compressed frame (see [`super::stored`]), so that
//! reading one candidate, or one page of the shortlist, decompresses and parses the index
//! and the pages it needs, not the whole trace.
//!
//! - The [`Index`] holds the trace's JSON before its candidates as it is (the head:
//!   identity, profile, modules, manifest) and every candidate's values but its longer
//!   texts, as columns: names, filter verdicts (a reason as its position in a table of
//!   the distinct reasons), ratings (dimension, scorer, level, evidence), and the
//!   aggregates (tier, fit, confidence, evidence share, rank). That is what the viewer
//!   sorts, searches and groups by.
//! - A [`Page`] holds the texts of [`PAGE_SIZE`] candidates: their notes, grouped by
//!   dimension, and their reasoning sentences. Pages hold the candidates in the order the
//!   viewer lists them first: those with a result by rank, then the others in pool order;
//!   so the shortlist's first page of 50 is in the first page.
//!
//! Nothing is recomputed on read, so a stored trace does not change when the code that
//! aggregates does: the columns hold every value, and reading them back builds the same
//! [`CandidateTrace`]s that were written, serialised by the same code. The values are
//! written compactly instead: module, dimension and tier names as positions in lists, a
//! level as a digit, a fit as tenths (the aggregation rounds it to tenths), an evidence
//! share as thousandths, and a reasoning sentence as references to the candidate's own
//! notes with the text between them.
//!
//! [`split`] checks that every value fits this shape and gives the trace back when one
//! does not (an index out of order, a fit with more decimals); the caller then stores the
//! trace's JSON as it is. So what is read back is always what was written.
//!
//! Traces stored before pages ([`Unpaged`]: one set of columns with every text) are read
//! as an index with a single page.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{Aggregate, CandidateTrace, ScoreTrace, Trace, Verdict};
use crate::eval::Confidence;
use crate::shared_str::SharedStr;
use crate::vertical::Level;

/// Candidates per page: a page of the viewer's shortlist (50 rows) in rank order reads
/// one or two pages.
pub const PAGE_SIZE: usize = 256;

/// The evidence names, by their letter in [`Index::evidence`].
const EVIDENCE: [(&str, char); 3] = [("full", 'f'), ("partial", 'p'), ("none", 'n')];

/// A trace's head and its candidates' values, but for the texts in [`Page`]s.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Index {
    /// The trace's JSON up to and including the `[` that opens its candidates.
    head: String,
    /// Filter names in pipeline order: a candidate's verdict `i` is filter `i`'s.
    filters: Vec<String>,
    /// Scorer names, as [`Index::rating_scorers`] refers to them.
    scorers: Vec<String>,
    /// Dimension names, as [`Index::rating_dimensions`] and pages' notes refer to them.
    dimensions: Vec<String>,
    /// Tier names, as [`Index::tiers`] refers to them.
    tier_names: Vec<SharedStr>,
    /// The distinct rejection reasons, as [`Index::rejections`] refers to them.
    reasons: Vec<SharedStr>,
    /// Per candidate, its name (its index is its position).
    names: Vec<SharedStr>,
    /// Per candidate, per filter that ran: its rejection reason, none when kept.
    rejections: Vec<Vec<Option<u32>>>,
    /// Per candidate, its number of ratings.
    rated: Vec<u8>,
    /// Per rating, in candidate order: its dimension.
    rating_dimensions: Vec<u8>,
    /// Per rating: its scorer.
    rating_scorers: Vec<u8>,
    /// Per rating: its level's digit, `1`..`4`.
    levels: String,
    /// Per rating: its evidence's letter.
    evidence: String,
    /// Per candidate, its tier when it has a result.
    tiers: Vec<Option<u16>>,
    /// Per result, in candidate order: fit in tenths.
    fit_tenths: Vec<i64>,
    /// Per result: confidence's position in [`Confidence::ALL`], as a digit.
    confidence: String,
    /// Per result: evidence share in thousandths.
    share_thousandths: Vec<i64>,
    /// Per result: rank.
    ranks: Vec<u32>,
    /// The candidates in the order the pages hold them.
    order: Vec<u32>,
    /// Candidates per page.
    page_size: u32,
}

/// The texts of a page of candidates.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Page {
    /// Per dimension, the notes of the page's ratings, in page order.
    notes: Vec<Vec<SharedStr>>,
    /// Per candidate of the page with a result, in page order: its reasoning sentence.
    reasoning: Vec<Vec<Part>>,
}

/// A piece of a reasoning sentence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum Part {
    /// The note of the candidate's rating `n` (counted from 0), or for `-(n + 1)` that
    /// note with its first letter in upper case.
    Note(i32),
    /// Text as it is.
    Text(String),
}

/// The index and pages of `trace`, or the trace back when a value does not fit them (it
/// is then stored as JSON). The trace's texts move into the columns, uncopied.
///
/// # Errors
///
/// The trace, unchanged, when a value does not fit.
pub fn split(mut trace: Trace) -> Result<(Index, Vec<Page>), Box<Trace>> {
    let candidates = std::mem::take(&mut trace.candidates);
    let head = serde_json::to_string(&trace)
        .ok()
        .and_then(|head| head.strip_suffix("]}").map(str::to_owned))
        .filter(|head| head.ends_with("\"candidates\":["));
    let Some(head) = head else {
        trace.candidates = candidates;
        return Err(Box::new(trace));
    };
    let n = candidates.len();
    let dimensions = std::mem::take(&mut trace.aggregation.dimensions);
    let tier_names = trace
        .aggregation
        .tiers
        .iter()
        .map(|t| t.name.as_str().into())
        .collect();
    let mut coder = Coder {
        index: Index {
            head,
            filters: Vec::new(),
            scorers: Vec::new(),
            dimensions,
            tier_names,
            reasons: Vec::new(),
            names: Vec::with_capacity(n),
            rejections: Vec::with_capacity(n),
            rated: Vec::with_capacity(n),
            rating_dimensions: Vec::new(),
            rating_scorers: Vec::new(),
            levels: String::new(),
            evidence: String::new(),
            tiers: Vec::with_capacity(n),
            fit_tenths: Vec::new(),
            confidence: String::new(),
            share_thousandths: Vec::new(),
            ranks: Vec::new(),
            order: Vec::with_capacity(n),
            page_size: PAGE_SIZE as u32,
        },
        reasoning: Vec::with_capacity(n),
    };
    // First every value is checked and coded, then the texts move in: a trace that does
    // not fit goes back whole.
    for (position, candidate) in candidates.iter().enumerate() {
        if coder.code(position, candidate).is_none() {
            trace.aggregation.dimensions = coder.index.dimensions;
            trace.candidates = candidates;
            return Err(Box::new(trace));
        }
    }
    let Coder {
        mut index,
        mut reasoning,
    } = coder;
    index.order = page_order(&index);
    let first_rating = prefix_sums(index.rated.iter().map(|&r| usize::from(r)));
    let mut reasons = ReasonTable::default();
    let mut texts: Vec<Option<Vec<ScoreTrace>>> = Vec::with_capacity(n);
    for candidate in candidates {
        index.names.push(candidate.name);
        let rejections = candidate
            .verdicts
            .into_iter()
            .map(|v| v.reason.map(|reason| reasons.number(reason)))
            .collect();
        index.rejections.push(rejections);
        texts.push(Some(candidate.scores));
    }
    index.reasons = reasons.into_list();
    let pages = index
        .order
        .chunks(PAGE_SIZE)
        .map(|members| {
            let mut page = Page {
                notes: vec![Vec::new(); index.dimensions.len()],
                reasoning: Vec::new(),
            };
            for &i in members {
                let i = i as usize;
                let scores = texts[i].take().unwrap_or_default();
                for (r, score) in (first_rating[i]..).zip(scores) {
                    let d = usize::from(index.rating_dimensions[r]);
                    page.notes[d].push(score.note);
                }
                if let Some(parts) = reasoning[i].take() {
                    page.reasoning.push(parts);
                }
            }
            page
        })
        .collect();
    Ok((index, pages))
}

/// Codes the values of a trace's candidates into an [`Index`], and their reasoning into
/// parts.
struct Coder {
    index: Index,
    /// Per candidate: its reasoning sentence, when it has a result.
    reasoning: Vec<Option<Vec<Part>>>,
}

impl Coder {
    /// Codes every value of a candidate but its texts; `None` when one does not fit.
    fn code(&mut self, position: usize, c: &CandidateTrace) -> Option<()> {
        let index = &mut self.index;
        if c.index as usize != position {
            return None;
        }
        for (i, verdict) in c.verdicts.iter().enumerate() {
            match index.filters.get(i) {
                Some(name) if **name == *verdict.module => {}
                Some(_) => return None,
                None => index.filters.push(verdict.module.to_string()),
            }
            if verdict.eligible != verdict.reason.is_none() {
                return None;
            }
        }
        index.rated.push(u8::try_from(c.scores.len()).ok()?);
        for score in &c.scores {
            let dimension = index
                .dimensions
                .iter()
                .position(|d| **d == *score.dimension)?;
            let scorer = match index.scorers.iter().position(|s| **s == *score.module) {
                Some(i) => i,
                None => {
                    index.scorers.push(score.module.to_string());
                    index.scorers.len() - 1
                }
            };
            let level = Level::ALL.iter().position(|l| l.as_str() == score.level)?;
            let evidence = EVIDENCE.iter().find(|(name, _)| *name == score.evidence)?.1;
            index.rating_dimensions.push(u8::try_from(dimension).ok()?);
            index.rating_scorers.push(u8::try_from(scorer).ok()?);
            index.levels.push(char::from(b'1' + level as u8));
            index.evidence.push(evidence);
        }
        let Some(result) = &c.result else {
            index.tiers.push(None);
            self.reasoning.push(None);
            return Some(());
        };
        let tier = index.tier_names.iter().position(|t| *t == result.tier)?;
        index.tiers.push(Some(u16::try_from(tier).ok()?));
        index.fit_tenths.push(scaled(result.fit, 10.0)?);
        index
            .share_thousandths
            .push(scaled(result.evidence_share, 1000.0)?);
        index
            .confidence
            .push(char::from(b'0' + result.confidence.index() as u8));
        index.ranks.push(result.rank);
        self.reasoning
            .push(Some(parts(&result.reasoning, &c.scores)?));
        Some(())
    }
}

/// The order pages hold the candidates in: those with a result by rank, then the others
/// in pool order.
fn page_order(index: &Index) -> Vec<u32> {
    let mut ranked = Vec::with_capacity(index.ranks.len());
    let mut others = Vec::new();
    let mut result = 0;
    for (i, tier) in index.tiers.iter().enumerate() {
        if tier.is_some() {
            ranked.push((index.ranks[result], i as u32));
            result += 1;
        } else {
            others.push(i as u32);
        }
    }
    ranked.sort_unstable();
    ranked.into_iter().map(|(_, i)| i).chain(others).collect()
}

/// `[0, a, a + b, ...]`: where each of a sequence of runs starts, and the total last.
fn prefix_sums(counts: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut sums = vec![0];
    let mut total = 0;
    for count in counts {
        total += count;
        sums.push(total);
    }
    sums
}

/// An [`Index`] ready to read candidates from, with where each candidate's values are.
#[derive(Debug)]
pub struct Reader {
    index: Index,
    /// Per candidate: its place in [`Index::order`].
    slot: Vec<u32>,
    /// Per candidate: its first rating; the number of ratings last.
    first_rating: Vec<usize>,
    /// Per candidate: its result's place in the result columns (when it has one); the
    /// number of results last.
    first_result: Vec<usize>,
    /// Per rating: its note's place among its page's notes of its dimension.
    note_at: Vec<u32>,
    /// Per result: its reasoning's place among its page's.
    reasoning_at: Vec<u32>,
    /// Per page: its number of notes of each dimension, and of reasoning sentences.
    page_sizes: Vec<(Vec<usize>, usize)>,
    /// The names candidates share, one allocation each.
    shared: Shared,
}

/// What the index says of a candidate with a result.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ranked {
    /// Its rank, from 1.
    pub rank: u32,
    /// Its tier's position in the manifest's tiers.
    pub tier: usize,
    /// Its fit.
    pub fit: f64,
    /// Its confidence's position in [`Confidence::ALL`].
    pub confidence: usize,
}

impl Reader {
    /// Reads an index, checking that its columns agree with each other (a damaged one
    /// would otherwise build wrong candidates, or none).
    ///
    /// # Errors
    ///
    /// What does not agree.
    pub fn new(index: Index) -> Result<Self, String> {
        let n = index.names.len();
        let per_candidate = [
            ("rejections", index.rejections.len()),
            ("rated", index.rated.len()),
            ("tiers", index.tiers.len()),
            ("order", index.order.len()),
        ];
        if let Some((column, len)) = per_candidate.iter().find(|(_, len)| *len != n) {
            return Err(format!("{column} has {len} entries for {n} candidates"));
        }
        let first_rating = prefix_sums(index.rated.iter().map(|&r| usize::from(r)));
        let ratings = first_rating[n];
        let per_rating = [
            ("rating_dimensions", index.rating_dimensions.len()),
            ("rating_scorers", index.rating_scorers.len()),
            ("levels", index.levels.len()),
            ("evidence", index.evidence.len()),
        ];
        if let Some((column, len)) = per_rating.iter().find(|(_, len)| *len != ratings) {
            return Err(format!("{column} has {len} entries for {ratings} ratings"));
        }
        let first_result = prefix_sums(index.tiers.iter().map(|t| usize::from(t.is_some())));
        let results = first_result[n];
        let per_result = [
            ("fit_tenths", index.fit_tenths.len()),
            ("confidence", index.confidence.len()),
            ("share_thousandths", index.share_thousandths.len()),
            ("ranks", index.ranks.len()),
        ];
        if let Some((column, len)) = per_result.iter().find(|(_, len)| *len != results) {
            return Err(format!("{column} has {len} entries for {results} results"));
        }
        let in_range = index
            .rating_dimensions
            .iter()
            .all(|&d| usize::from(d) < index.dimensions.len())
            && index
                .rating_scorers
                .iter()
                .all(|&s| usize::from(s) < index.scorers.len())
            && index.levels.bytes().all(|l| (b'1'..=b'4').contains(&l))
            && index
                .evidence
                .bytes()
                .all(|e| EVIDENCE.iter().any(|(_, l)| *l as u8 == e))
            && index
                .confidence
                .bytes()
                .all(|c| usize::from(c.wrapping_sub(b'0')) < Confidence::ALL.len())
            && index
                .tiers
                .iter()
                .flatten()
                .all(|&t| usize::from(t) < index.tier_names.len())
            && index.rejections.iter().all(|verdicts| {
                verdicts.len() <= index.filters.len()
                    && verdicts
                        .iter()
                        .flatten()
                        .all(|&r| (r as usize) < index.reasons.len())
            });
        if !in_range {
            return Err("a value refers past the names it is a position in".to_owned());
        }
        let mut slot = vec![u32::MAX; n];
        for (place, &i) in index.order.iter().enumerate() {
            match slot.get_mut(i as usize) {
                Some(s) if *s == u32::MAX => *s = place as u32,
                _ => return Err(format!("order lists candidate {i} twice or past the pool")),
            }
        }
        if index.page_size == 0 {
            return Err("pages of no candidates".to_owned());
        }
        let mut note_at = vec![0; ratings];
        let mut reasoning_at = vec![0; results];
        let mut page_sizes = Vec::new();
        for members in index.order.chunks(index.page_size as usize) {
            let mut notes = vec![0; index.dimensions.len()];
            let mut reasoning = 0;
            for &i in members {
                let i = i as usize;
                let ratings = first_rating[i]..first_rating[i + 1];
                for (at, &d) in note_at[ratings.clone()]
                    .iter_mut()
                    .zip(&index.rating_dimensions[ratings])
                {
                    *at = notes[usize::from(d)] as u32;
                    notes[usize::from(d)] += 1;
                }
                if index.tiers[i].is_some() {
                    reasoning_at[first_result[i]] = reasoning as u32;
                    reasoning += 1;
                }
            }
            page_sizes.push((notes, reasoning));
        }
        let shared = |names: &[String]| names.iter().map(|n| n.as_str().into()).collect();
        let shared = Shared {
            filters: shared(&index.filters),
            scorers: shared(&index.scorers),
            dimensions: shared(&index.dimensions),
        };
        Ok(Reader {
            index,
            slot,
            first_rating,
            first_result,
            note_at,
            reasoning_at,
            page_sizes,
            shared,
        })
    }

    /// The trace's JSON up to and including the `[` that opens its candidates.
    pub fn head(&self) -> &str {
        &self.index.head
    }

    /// Candidates in the pool.
    pub fn len(&self) -> usize {
        self.index.names.len()
    }

    /// Whether the trace has no candidate.
    pub fn is_empty(&self) -> bool {
        self.index.names.is_empty()
    }

    /// Pages the candidates' texts are in.
    pub fn pages(&self) -> usize {
        self.page_sizes.len()
    }

    /// The page that holds the texts of the candidate at `position`.
    pub fn page_of(&self, position: usize) -> usize {
        self.slot[position] as usize / self.index.page_size as usize
    }

    /// Checks that page `p` holds the texts the index refers to in it.
    ///
    /// # Errors
    ///
    /// What it lacks.
    pub fn check_page(&self, p: usize, page: &Page) -> Result<(), String> {
        let (notes, reasoning) = &self.page_sizes[p];
        let held: Vec<usize> = page.notes.iter().map(Vec::len).collect();
        if held != *notes || page.reasoning.len() != *reasoning {
            return Err(format!(
                "page {p} holds {held:?} notes and {} sentences for {notes:?} and {reasoning}",
                page.reasoning.len()
            ));
        }
        Ok(())
    }

    /// The position of the first candidate named `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.index.names.iter().position(|n| n == name)
    }

    /// The name of the candidate at `position`.
    pub fn name(&self, position: usize) -> &str {
        &self.index.names[position]
    }

    /// The manifest's dimension names.
    pub fn dimensions(&self) -> &[String] {
        &self.index.dimensions
    }

    /// What the index says of the candidate at `position`'s result, when it has one.
    pub fn ranked(&self, position: usize) -> Option<Ranked> {
        let tier = self.index.tiers[position]?;
        let r = self.first_result[position];
        Some(Ranked {
            rank: self.index.ranks[r],
            tier: usize::from(tier),
            fit: self.index.fit_tenths[r] as f64 / 10.0,
            confidence: usize::from(self.index.confidence.as_bytes()[r] - b'0'),
        })
    }

    /// The candidate at `position`'s levels: per rating, its dimension's position and its
    /// level (1 for `L1` to 4).
    pub fn levels(&self, position: usize) -> impl Iterator<Item = (usize, u8)> + '_ {
        (self.first_rating[position]..self.first_rating[position + 1]).map(|r| {
            (
                usize::from(self.index.rating_dimensions[r]),
                self.index.levels.as_bytes()[r] - b'0',
            )
        })
    }

    /// The filters that rejected the candidate at `position`, with their reasons.
    pub fn rejections(&self, position: usize) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.index.rejections[position]
            .iter()
            .zip(&self.index.filters)
            .filter_map(|(reason, filter)| {
                reason.map(|r| (filter.as_str(), self.index.reasons[r as usize].as_str()))
            })
    }

    /// The candidate at `position`, as it was written, from its page (which
    /// [`Reader::check_page`] accepted).
    pub fn candidate(&self, position: usize, page: &Page) -> CandidateTrace {
        let Shared {
            filters,
            scorers,
            dimensions,
        } = &self.shared;
        let index = &self.index;
        let verdicts = index.rejections[position]
            .iter()
            .zip(filters)
            .map(|(reason, module)| Verdict {
                module: module.clone(),
                eligible: reason.is_none(),
                reason: reason.map(|r| index.reasons[r as usize].clone()),
            })
            .collect();
        let scores: Vec<ScoreTrace> = (self.first_rating[position]
            ..self.first_rating[position + 1])
            .map(|r| {
                let d = usize::from(index.rating_dimensions[r]);
                ScoreTrace {
                    dimension: dimensions[d].clone(),
                    level: Level::ALL[usize::from(index.levels.as_bytes()[r] - b'1')].as_str(),
                    note: page.notes[d][self.note_at[r] as usize].clone(),
                    evidence: letter_to_evidence(index.evidence.as_bytes()[r]),
                    module: scorers[usize::from(index.rating_scorers[r])].clone(),
                }
            })
            .collect();
        let result = index.tiers[position].map(|tier| {
            let r = self.first_result[position];
            let parts = &page.reasoning[self.reasoning_at[r] as usize];
            Aggregate {
                fit: index.fit_tenths[r] as f64 / 10.0,
                tier: index.tier_names[usize::from(tier)].clone(),
                confidence: Confidence::ALL[usize::from(index.confidence.as_bytes()[r] - b'0')],
                evidence_share: index.share_thousandths[r] as f64 / 1000.0,
                reasoning: sentence(parts, &scores).into(),
                rank: index.ranks[r],
            }
        });
        CandidateTrace {
            index: position as u32,
            name: index.names[position].clone(),
            verdicts,
            scores,
            result,
        }
    }
}

/// The module and dimension names of the candidates built from the columns, shared as a
/// trace shares them.
#[derive(Debug)]
struct Shared {
    filters: Vec<SharedStr>,
    scorers: Vec<SharedStr>,
    dimensions: Vec<SharedStr>,
}

/// A trace's columns as stored before pages: every value and text in one set of columns,
/// in pool order. Read, never written.
#[derive(Debug, Deserialize)]
pub struct Unpaged {
    head: String,
    filters: Vec<String>,
    scorers: Vec<String>,
    dimensions: Vec<String>,
    tier_names: Vec<SharedStr>,
    names: Vec<SharedStr>,
    reasons: Vec<Vec<Option<SharedStr>>>,
    rated: Vec<u8>,
    rating_dimensions: Vec<u8>,
    rating_scorers: Vec<u8>,
    levels: String,
    evidence: String,
    notes: Vec<Vec<SharedStr>>,
    tiers: Vec<Option<u16>>,
    fit_tenths: Vec<i64>,
    confidence: String,
    share_thousandths: Vec<i64>,
    ranks: Vec<u32>,
    reasoning: Vec<Vec<Part>>,
}

/// The distinct rejection reasons of a trace, each numbered in order of first appearance.
#[derive(Default)]
struct ReasonTable {
    numbers: HashMap<SharedStr, u32>,
}

impl ReasonTable {
    /// The number of `reason`, given it the first time.
    fn number(&mut self, reason: SharedStr) -> u32 {
        let next = self.numbers.len() as u32;
        *self.numbers.entry(reason).or_insert(next)
    }

    /// The reasons, each at its number.
    fn into_list(self) -> Vec<SharedStr> {
        let mut list = vec![SharedStr::default(); self.numbers.len()];
        for (reason, i) in self.numbers {
            list[i as usize] = reason;
        }
        list
    }
}

impl Unpaged {
    /// The same values as an index with one page, holding the candidates in pool order.
    pub fn into_paged(self) -> (Index, Page) {
        let n = self.names.len();
        let mut table = ReasonTable::default();
        let rejections = self
            .reasons
            .into_iter()
            .map(|verdicts| {
                verdicts
                    .into_iter()
                    .map(|reason| reason.map(|reason| table.number(reason)))
                    .collect()
            })
            .collect();
        let reasons = table.into_list();
        let index = Index {
            head: self.head,
            filters: self.filters,
            scorers: self.scorers,
            dimensions: self.dimensions,
            tier_names: self.tier_names,
            reasons,
            names: self.names,
            rejections,
            rated: self.rated,
            rating_dimensions: self.rating_dimensions,
            rating_scorers: self.rating_scorers,
            levels: self.levels,
            evidence: self.evidence,
            tiers: self.tiers,
            fit_tenths: self.fit_tenths,
            confidence: self.confidence,
            share_thousandths: self.share_thousandths,
            ranks: self.ranks,
            order: (0..n as u32).collect(),
            page_size: n.max(1) as u32,
        };
        let page = Page {
            notes: self.notes,
            reasoning: self.reasoning,
        };
        (index, page)
    }
}

fn letter_to_evidence(letter: u8) -> &'static str {
    EVIDENCE
        .iter()
        .find(|(_, l)| *l as u8 == letter)
        .map_or("none", |(name, _)| name)
}
/// `value` as a whole number of `1 / scale`, when reading it back gives the same bits.
fn scaled(value: f64, scale: f64) -> Option<i64> {
    let n = (value * scale).round();
    (value.is_finite() && n.abs() < 1e15 && (n / scale).to_bits() == value.to_bits())
        .then_some(n as i64)
}

/// A reasoning sentence as references to the candidate's notes and the text between them,
/// when reading it back gives the same text.
fn parts(reasoning: &str, scores: &[ScoreTrace]) -> Option<Vec<Part>> {
    let mut notes: Vec<(i32, &str, Option<String>)> = scores
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.note.is_empty())
        .map(|(i, s)| Some((i32::try_from(i).ok()?, s.note.as_str(), capitalise(&s.note))))
        .collect::<Option<_>>()?;
    // Longest first, so that a note that contains another is referred to whole.
    notes.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    // The bytes a note can start with here: most positions of a sentence start none.
    let mut starts = [false; 256];
    for (_, note, capitalised) in &notes {
        starts[usize::from(note.as_bytes()[0])] = true;
        if let Some(c) = capitalised {
            starts[usize::from(c.as_bytes()[0])] = true;
        }
    }
    let mut out: Vec<Part> = Vec::new();
    let mut rest = reasoning;
    'scan: while !rest.is_empty() {
        for (i, note, capitalised) in notes
            .iter()
            .filter(|_| starts[usize::from(rest.as_bytes()[0])])
        {
            if let Some(tail) = rest.strip_prefix(note) {
                out.push(Part::Note(*i));
                rest = tail;
                continue 'scan;
            }
            if let Some(tail) = capitalised.as_deref().and_then(|c| rest.strip_prefix(c)) {
                out.push(Part::Note(-i - 1));
                rest = tail;
                continue 'scan;
            }
        }
        let c = rest.chars().next()?;
        match out.last_mut() {
            Some(Part::Text(text)) => text.push(c),
            _ => out.push(Part::Text(c.to_string())),
        }
        rest = &rest[c.len_utf8()..];
    }
    (sentence(&out, scores) == reasoning).then_some(out)
}

/// The note with its first letter in upper case, when that changes it.
fn capitalise(note: &str) -> Option<String> {
    let mut chars = note.chars();
    let first = chars.next()?;
    let upper: String = first.to_uppercase().collect();
    (upper != first.to_string()).then(|| upper + chars.as_str())
}

fn sentence(parts: &[Part], scores: &[ScoreTrace]) -> String {
    let mut out = String::new();
    for part in parts {
        match part {
            Part::Text(text) => out.push_str(text),
            Part::Note(n) if *n >= 0 => {
                if let Some(s) = scores.get(*n as usize) {
                    out.push_str(&s.note);
                }
            }
            Part::Note(n) => {
                if let Some(s) = scores.get((-n - 1) as usize) {
                    match capitalise(&s.note) {
                        Some(capitalised) => out.push_str(&capitalised),
                        None => out.push_str(&s.note),
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(note: &str) -> ScoreTrace {
        ScoreTrace {
            dimension: "d".into(),
            level: "L1",
            note: note.into(),
            evidence: "full",
            module: "m".into(),
        }
    }

    #[test]
    fn a_reasoning_sentence_is_kept_as_references_to_its_notes() {
        let scores = [
            score("good CA appetite"),
            score("AM Best A"),
            score("quotes in 24 h"),
        ];
        let reasoning = "Good CA appetite, AM Best A; but quotes in 24 h.";
        let kept = parts(reasoning, &scores).unwrap();
        assert_eq!(
            kept,
            [
                Part::Note(-1),
                Part::Text(", ".into()),
                Part::Note(1),
                Part::Text("; but ".into()),
                Part::Note(2),
                Part::Text(".".into()),
            ]
        );
        assert_eq!(sentence(&kept, &scores), reasoning);
        // Text that is no note is kept as text.
        let other = "Nothing like the notes.";
        assert_eq!(parts(other, &scores).unwrap(), [Part::Text(other.into())]);
    }

    /// Columns as stored before pages: two candidates, one kept and rated, one rejected.
    fn unpaged() -> serde_json::Value {
        serde_json::json!({
            "head": "{\"eval_id\":\"e\",\"candidates\":[",
            "filters": ["appetite"], "scorers": ["rating"], "dimensions": ["strength"],
            "tier_names": ["A"], "names": ["Kept", "Rejected"],
            "reasons": [[null], ["not in CA"]],
            "rated": [1, 0], "rating_dimensions": [0], "rating_scorers": [0],
            "levels": "2", "evidence": "f", "notes": [["good strength"]],
            "tiers": [0, null], "fit_tenths": [715], "confidence": "0",
            "share_thousandths": [1000], "ranks": [1], "reasoning": [[-1, "."]]
        })
    }

    #[test]
    fn traces_stored_before_pages_read_as_one_page() {
        let unpaged: Unpaged = serde_json::from_value(unpaged()).unwrap();
        let (index, page) = unpaged.into_paged();
        let reader = Reader::new(index).unwrap();
        assert_eq!(reader.pages(), 1);
        reader.check_page(0, &page).unwrap();
        let json = |i| serde_json::to_string(&reader.candidate(i, &page)).unwrap();
        assert_eq!(
            json(0),
            r#"{"index":0,"name":"Kept","verdicts":[{"module":"appetite","eligible":true}],"scores":[{"dimension":"strength","level":"L2","note":"good strength","evidence":"full","module":"rating"}],"result":{"fit":71.5,"tier":"A","confidence":"HIGH","evidence_share":1.0,"reasoning":"Good strength.","rank":1}}"#
        );
        assert_eq!(
            json(1),
            r#"{"index":1,"name":"Rejected","verdicts":[{"module":"appetite","eligible":false,"reason":"not in CA"}]}"#
        );
        assert_eq!(
            reader.rejections(1).collect::<Vec<_>>(),
            [("appetite", "not in CA")]
        );
        assert_eq!(reader.levels(0).collect::<Vec<_>>(), [(0, 2)]);
    }

    #[test]
    fn an_index_whose_columns_disagree_is_refused() {
        for (column, value) in [
            ("rated", serde_json::json!([1])),
            ("levels", serde_json::json!("7")),
            ("rating_dimensions", serde_json::json!([3])),
            (
                "reasons",
                serde_json::json!([[null], [null, "too many verdicts"]]),
            ),
            ("ranks", serde_json::json!([])),
        ] {
            let mut columns = unpaged();
            columns[column] = value;
            let unpaged: Unpaged = serde_json::from_value(columns).unwrap();
            assert!(Reader::new(unpaged.into_paged().0).is_err(), "{column}");
        }
        let (index, _) = serde_json::from_value::<Unpaged>(unpaged())
            .unwrap()
            .into_paged();
        let reader = Reader::new(index).unwrap();
        assert!(reader.check_page(0, &Page::default()).is_err());
    }

    #[test]
    fn numbers_are_kept_only_when_they_read_back_the_same() {
        assert_eq!(scaled(71.0, 10.0), Some(710));
        assert_eq!(scaled(88.5, 10.0), Some(885));
        assert_eq!(scaled(0.6, 1000.0), Some(600));
        assert_eq!(scaled(0.123, 1000.0), Some(123));
        assert_eq!(scaled(88.55, 10.0), None);
        assert_eq!(scaled(f64::NAN, 10.0), None);
    }
}
