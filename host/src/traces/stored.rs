//! How a trace is stored and read back: an index and pages of [`columns`], each a
//! zstd frame of its own, so that a part of the trace (one candidate, a page of the
//! shortlist, the overview) is read without decompressing or parsing the rest; or, for a
//! trace whose values do not fit columns, and for traces stored before them, its JSON.
//! The evaluation's wall times are kept beside the trace rather than in it, so that the
//! stored trace is a pure function of the job's inputs (what `shortlist replay` compares
//! byte for byte). Reading gives back the trace's JSON as it was written; the API puts
//! the wall times back when it serves a trace.
//!
//! A paged trace's bytes are a table of its frames, then the frames: a little-endian
//! `u32` count, per frame its compressed and its raw length (two `u32`), then each frame;
//! the first frame is the index, the others its pages.
//!
//! [`columns`]: super::columns

use std::cell::OnceCell;
use std::ops::Range;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use super::columns::{self, Index, Page, Ranked, Reader, Unpaged};
use super::view::{self, Row};
use super::{LimitsRef, Trace};
use crate::eval::Confidence;
use crate::store::TraceRow;

/// Encoding of a trace stored as its JSON.
pub const JSON_ENCODING: &str = "json+zstd";

/// Encoding of a trace stored as an index and pages of columns, a frame each.
pub const PAGES_ENCODING: &str = "pages+zstd";

/// Encoding of a trace stored as one frame of columns, before pages: read, no longer
/// written.
pub const COLUMNS_ENCODING: &str = "columns+zstd";

/// zstd level of stored traces: fast, and traces are very repetitive anyway.
const ZSTD_LEVEL: i32 = 3;

/// A stored trace that cannot be read, or a part of it that cannot be given.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Written by a version that encoded traces otherwise. Returns 500 upstream.
    #[error("trace {eval_id} has unknown encoding {encoding}")]
    UnknownEncoding {
        /// The evaluation.
        eval_id: String,
        /// Its encoding.
        encoding: String,
    },
    /// The bytes do not decode. Returns 500 upstream.
    #[error("trace {eval_id} is damaged: {message}")]
    Damaged {
        /// The evaluation.
        eval_id: String,
        /// Why.
        message: String,
    },
    /// A page of the shortlist asked for with a parameter it cannot take. Returns 400
    /// upstream.
    #[error(transparent)]
    Query(#[from] view::QueryError),
}

/// A trace ready to store.
#[derive(Clone, Debug)]
pub struct Encoded {
    /// How `bytes` is encoded: [`PAGES_ENCODING`] or [`JSON_ENCODING`].
    pub encoding: &'static str,
    /// The compressed form.
    pub bytes: Vec<u8>,
    /// Size of the form before compression.
    pub raw_bytes: i64,
    /// The wall times, JSON, when measured.
    pub timings: Option<String>,
}

/// One module call's wall time and limits, as stored beside the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct ModuleTime {
    module: String,
    wall_time_us: u64,
    /// Absent in traces stored before limits were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    limits: Option<LimitsRef>,
}

/// What was measured of one module call, kept beside its trace.
#[derive(Clone, Copy, Debug)]
pub struct Measured {
    /// The call's wall time, instantiation included.
    pub wall_time: Duration,
    /// The limits it ran under.
    pub limits: Option<LimitsRef>,
}

/// The JSON of a trace: the bytes that are stored, and that a replay must reproduce.
pub fn to_json(trace: &Trace) -> Vec<u8> {
    serde_json::to_vec(trace).expect("a trace serializes: every map key is a string")
}

/// Encodes a trace for storage, as paged columns when its values fit them, with what was
/// measured of its module calls (`measured[i]` is the call of `trace.modules[i]`). The
/// trace's texts move into the stored form.
pub fn encode(trace: Trace, measured: &[Measured]) -> Encoded {
    let timings = (!measured.is_empty()).then(|| {
        let times: Vec<ModuleTime> = trace
            .modules
            .iter()
            .zip(measured)
            .map(|(m, call)| ModuleTime {
                module: m.name.clone(),
                wall_time_us: call.wall_time.as_micros() as u64,
                limits: call.limits,
            })
            .collect();
        serde_json::to_string(&times).expect("wall times serialize")
    });
    let encoded = match columns::split(trace) {
        Ok((index, pages)) => {
            let mut frames = vec![serde_json::to_vec(&index).expect("an index serializes")];
            frames.extend(
                pages
                    .iter()
                    .map(|p| serde_json::to_vec(p).expect("a page serializes")),
            );
            pack(&frames)
        }
        Err(trace) => compress(JSON_ENCODING, &to_json(&trace)),
    };
    Encoded { timings, ..encoded }
}

/// Encodes a trace's JSON as it is: a failure recorded before any evaluation ran.
pub fn encode_json(json: &[u8]) -> Encoded {
    compress(JSON_ENCODING, json)
}

fn compress(encoding: &'static str, raw: &[u8]) -> Encoded {
    Encoded {
        encoding,
        bytes: zstd::bulk::compress(raw, ZSTD_LEVEL).expect("zstd compresses from memory"),
        raw_bytes: raw.len() as i64,
        timings: None,
    }
}

/// The frames compressed, each on its own, after their table.
fn pack(frames: &[Vec<u8>]) -> Encoded {
    let compressed: Vec<Vec<u8>> = frames
        .iter()
        .map(|raw| zstd::bulk::compress(raw, ZSTD_LEVEL).expect("zstd compresses from memory"))
        .collect();
    let mut bytes =
        Vec::with_capacity(4 + 8 * frames.len() + compressed.iter().map(Vec::len).sum::<usize>());
    bytes.extend_from_slice(&(frames.len() as u32).to_le_bytes());
    for (raw, frame) in frames.iter().zip(&compressed) {
        bytes.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&(raw.len() as u32).to_le_bytes());
    }
    for frame in &compressed {
        bytes.extend_from_slice(frame);
    }
    Encoded {
        encoding: PAGES_ENCODING,
        bytes,
        raw_bytes: frames.iter().map(Vec::len).sum::<usize>() as i64,
        timings: None,
    }
}

/// Where each frame of a paged trace is, and its raw length.
fn frame_table(bytes: &[u8]) -> Option<Vec<(Range<usize>, usize)>> {
    let word = |at: usize| -> Option<usize> {
        let word: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
        Some(u32::from_le_bytes(word) as usize)
    };
    let count = word(0)?;
    let mut start = 4usize.checked_add(count.checked_mul(8)?)?;
    let mut frames = Vec::with_capacity(count.min(bytes.len()));
    for i in 0..count {
        let (len, raw) = (word(4 + 8 * i)?, word(8 + 8 * i)?);
        let end = start.checked_add(len).filter(|end| *end <= bytes.len())?;
        frames.push((start..end, raw));
        start = end;
    }
    Some(frames)
}

/// A stored trace opened for reading: parts of it are decompressed and parsed as they are
/// asked for.
pub struct Opened<'r> {
    row: &'r TraceRow,
    body: Body,
}

enum Body {
    /// Its JSON, whole, and parsed when a part of it is asked for.
    Json(Vec<u8>, OnceCell<Value>),
    /// An index, and its pages as they are read.
    Paged {
        reader: Box<Reader>,
        frames: Vec<(Range<usize>, usize)>,
        pages: Vec<OnceCell<Page>>,
    },
}

/// Opens a stored trace: for a paged one, reads its index alone.
///
/// # Errors
///
/// An unknown encoding, or bytes that do not decode.
pub fn open(row: &TraceRow) -> Result<Opened<'_>, Error> {
    let opened = |body| Opened { row, body };
    let damaged = |message: String| damaged(row, message);
    match row.encoding.as_str() {
        JSON_ENCODING => {
            let json = zstd::bulk::decompress(&row.bytes, row.raw_bytes.max(0) as usize)
                .map_err(|e| damaged(e.to_string()))?;
            Ok(opened(Body::Json(json, OnceCell::new())))
        }
        COLUMNS_ENCODING => {
            let raw = zstd::bulk::decompress(&row.bytes, row.raw_bytes.max(0) as usize)
                .map_err(|e| damaged(e.to_string()))?;
            let unpaged: Unpaged =
                serde_json::from_slice(&raw).map_err(|e| damaged(e.to_string()))?;
            let (index, page) = unpaged.into_paged();
            let reader = Reader::new(index).map_err(damaged)?;
            // One page, holding every candidate; none when there are none.
            let mut pages = Vec::new();
            if reader.pages() == 1 {
                reader.check_page(0, &page).map_err(damaged)?;
                pages.push(OnceCell::from(page));
            }
            Ok(opened(Body::Paged {
                reader: Box::new(reader),
                frames: Vec::new(),
                pages,
            }))
        }
        PAGES_ENCODING => {
            let frames = frame_table(&row.bytes)
                .filter(|frames| !frames.is_empty())
                .ok_or_else(|| damaged("its table of frames is cut short".to_owned()))?;
            let index: Index = serde_json::from_slice(&inflate(row, &frames[0])?)
                .map_err(|e| damaged(e.to_string()))?;
            let reader = Reader::new(index).map_err(damaged)?;
            if reader.pages() != frames.len() - 1 {
                return Err(damaged(format!(
                    "its index has {} pages and its table {}",
                    reader.pages(),
                    frames.len() - 1
                )));
            }
            let pages = (0..reader.pages()).map(|_| OnceCell::new()).collect();
            Ok(opened(Body::Paged {
                reader: Box::new(reader),
                frames,
                pages,
            }))
        }
        _ => Err(Error::UnknownEncoding {
            eval_id: row.eval_id.clone(),
            encoding: row.encoding.clone(),
        }),
    }
}

fn damaged(row: &TraceRow, message: String) -> Error {
    Error::Damaged {
        eval_id: row.eval_id.clone(),
        message,
    }
}

/// A frame of a paged trace, decompressed. The buffer grows as the frame decompresses,
/// rather than trusting the table's raw length before it is checked.
fn inflate(row: &TraceRow, (range, raw): &(Range<usize>, usize)) -> Result<Vec<u8>, Error> {
    let bytes = zstd::stream::decode_all(&row.bytes[range.clone()])
        .map_err(|e| damaged(row, e.to_string()))?;
    if bytes.len() != *raw {
        return Err(damaged(
            row,
            format!("a frame of {raw} bytes decompresses to {}", bytes.len()),
        ));
    }
    Ok(bytes)
}

impl Opened<'_> {
    /// The trace's JSON, exactly as written.
    ///
    /// # Errors
    ///
    /// A page that does not decode.
    pub fn to_json(&self) -> Result<Vec<u8>, Error> {
        let reader = match &self.body {
            Body::Json(json, _) => return Ok(json.clone()),
            Body::Paged { reader, .. } => reader,
        };
        let mut out = Vec::with_capacity(reader.head().len() + reader.len() * 500);
        out.extend_from_slice(reader.head().as_bytes());
        for position in 0..reader.len() {
            if position > 0 {
                out.push(b',');
            }
            let candidate = reader.candidate(position, self.page(reader.page_of(position))?);
            serde_json::to_writer(&mut out, &candidate).expect("a candidate serializes");
        }
        out.extend_from_slice(b"]}");
        Ok(out)
    }

    /// The JSON of the candidate at `position` (as it appears in the whole trace's
    /// `candidates`), reading its page alone.
    fn candidate_at(&self, position: usize) -> Result<Vec<u8>, Error> {
        match &self.body {
            Body::Paged { reader, .. } => {
                let candidate = reader.candidate(position, self.page(reader.page_of(position))?);
                Ok(serde_json::to_vec(&candidate).expect("a candidate serializes"))
            }
            Body::Json(..) => {
                let trace = self.json_value()?;
                Ok(serde_json::to_vec(&trace["candidates"][position])
                    .expect("a JSON value serializes"))
            }
        }
    }

    /// The JSON of the first candidate named `name`, `None` when none is.
    ///
    /// # Errors
    ///
    /// Its page, or the trace's JSON, does not decode.
    pub fn candidate(&self, name: &str) -> Result<Option<Vec<u8>>, Error> {
        let position = match &self.body {
            Body::Paged { reader, .. } => reader.position(name),
            Body::Json(..) => self.json_value()?["candidates"]
                .as_array()
                .and_then(|all| all.iter().position(|c| c["name"] == name)),
        };
        position.map(|p| self.candidate_at(p)).transpose()
    }

    /// The trace's head as API clients read it (everything but its candidates, with the
    /// wall times and `webhook`), and the overview of its candidates, as JSON.
    ///
    /// # Errors
    ///
    /// The trace's JSON, or its wall times, do not parse.
    pub fn overview(&self, webhook: Option<Value>) -> Result<Vec<u8>, Error> {
        let mut head = match &self.body {
            Body::Paged { reader, .. } => {
                let mut head = reader.head().to_owned();
                head.push_str("]}");
                serde_json::from_str(&head).map_err(|e| damaged(self.row, e.to_string()))?
            }
            Body::Json(..) => self.json_value()?.clone(),
        };
        let candidates = head
            .as_object_mut()
            .and_then(|o| o.remove("candidates"))
            .unwrap_or(Value::Null);
        self.add_times(&mut head, webhook)?;
        #[derive(Serialize)]
        struct Overview<'a> {
            trace: Value,
            #[serde(flatten)]
            candidates: view::Overview<'a>,
        }
        let rows = match &self.body {
            Body::Paged { reader, .. } => reader_rows(reader),
            Body::Json(..) => json_rows(&head, &candidates),
        };
        let overview = Overview {
            candidates: view::overview(&rows),
            trace: head.clone(),
        };
        Ok(serde_json::to_vec(&overview).expect("an overview serializes"))
    }

    /// A page of the shortlist as the query asks for it, as JSON: the page's candidates
    /// whole (as in the trace's `candidates`), and the filtered-out candidates the search
    /// matches.
    ///
    /// # Errors
    ///
    /// A query it cannot take, or pages that do not decode.
    pub fn shortlist(&self, query: &view::Query) -> Result<Vec<u8>, Error> {
        #[derive(Serialize)]
        struct Page<'a> {
            total: usize,
            offset: usize,
            candidates: Vec<Box<RawValue>>,
            filtered_matches: Filtered<'a>,
        }
        #[derive(Serialize)]
        struct Filtered<'a> {
            total: usize,
            names: Vec<&'a str>,
        }
        let (rows, dimensions) = match &self.body {
            Body::Paged { reader, .. } => (reader_rows(reader), reader.dimensions().to_vec()),
            Body::Json(..) => {
                let json = self.json_value()?;
                let dimensions = json["aggregation"]["dimensions"]
                    .as_array()
                    .map(|d| {
                        d.iter()
                            .filter_map(|d| d.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                (json_rows(json, &json["candidates"]), dimensions)
            }
        };
        let page = view::shortlist(&rows, &dimensions, query)?;
        let candidates = page
            .positions
            .iter()
            .map(|&p| {
                let json = String::from_utf8(self.candidate_at(p)?).expect("JSON is UTF-8");
                Ok(RawValue::from_string(json).expect("a candidate is JSON"))
            })
            .collect::<Result<_, Error>>()?;
        let page = Page {
            total: page.total,
            offset: page.offset,
            candidates,
            filtered_matches: Filtered {
                total: page.filtered_total,
                names: page.filtered_names,
            },
        };
        Ok(serde_json::to_vec(&page).expect("a page serializes"))
    }

    /// The trace as API clients read it: its JSON with each module's `wall_time_us` and
    /// `limits` put back and, when given, the webhook's delivery state as `webhook`.
    ///
    /// # Errors
    ///
    /// Pages, JSON or timings that do not decode.
    pub fn render(&self, webhook: Option<Value>) -> Result<Vec<u8>, Error> {
        let json = self.to_json()?;
        if self.row.timings.is_none() && webhook.is_none() {
            return Ok(json);
        }
        let mut trace: Value =
            serde_json::from_slice(&json).map_err(|e| damaged(self.row, e.to_string()))?;
        self.add_times(&mut trace, webhook)?;
        Ok(serde_json::to_vec(&trace).expect("a JSON value serializes"))
    }

    /// Puts each module's wall time and limits back into a trace's JSON, and the
    /// webhook's state.
    fn add_times(&self, trace: &mut Value, webhook: Option<Value>) -> Result<(), Error> {
        if let Some(timings) = &self.row.timings {
            let times: Vec<ModuleTime> =
                serde_json::from_str(timings).map_err(|e| damaged(self.row, e.to_string()))?;
            if let Some(modules) = trace.get_mut("modules").and_then(Value::as_array_mut) {
                for (module, time) in modules.iter_mut().zip(times) {
                    if let Some(module) = module.as_object_mut() {
                        module.insert("wall_time_us".to_owned(), time.wall_time_us.into());
                        if let Some(limits) = time.limits {
                            let limits = serde_json::to_value(limits).expect("limits serialize");
                            module.insert("limits".to_owned(), limits);
                        }
                    }
                }
            }
        }
        if let (Some(webhook), Some(object)) = (webhook, trace.as_object_mut()) {
            object.insert("webhook".to_owned(), webhook);
        }
        Ok(())
    }

    /// Page `p`, decompressed and parsed the first time it is asked for.
    fn page(&self, p: usize) -> Result<&Page, Error> {
        let Body::Paged {
            reader,
            frames,
            pages,
        } = &self.body
        else {
            unreachable!("pages are read from a paged trace only");
        };
        if let Some(page) = pages[p].get() {
            return Ok(page);
        }
        let raw = inflate(self.row, &frames[p + 1])?;
        let page: Page =
            serde_json::from_slice(&raw).map_err(|e| damaged(self.row, e.to_string()))?;
        reader
            .check_page(p, &page)
            .map_err(|e| damaged(self.row, e))?;
        Ok(pages[p].get_or_init(|| page))
    }

    /// A JSON trace's JSON, parsed the first time it is asked for.
    fn json_value(&self) -> Result<&Value, Error> {
        let Body::Json(json, value) = &self.body else {
            unreachable!("parsed from a JSON trace only");
        };
        if let Some(value) = value.get() {
            return Ok(value);
        }
        let parsed = serde_json::from_slice(json).map_err(|e| damaged(self.row, e.to_string()))?;
        Ok(value.get_or_init(|| parsed))
    }
}

/// What the viewer lists of each candidate of a paged trace.
fn reader_rows(reader: &Reader) -> Vec<Row<'_>> {
    let dimensions = reader.dimensions().len();
    (0..reader.len())
        .map(|position| {
            let mut levels = vec![0; dimensions];
            for (d, level) in reader.levels(position) {
                levels[d] = level;
            }
            Row {
                position,
                name: reader.name(position),
                ranked: reader.ranked(position),
                levels,
                rejections: reader.rejections(position).collect(),
            }
        })
        .collect()
}

/// What the viewer lists of each candidate of a trace stored as JSON, given its head
/// (for the manifest) and its candidates.
fn json_rows<'a>(head: &'a Value, candidates: &'a Value) -> Vec<Row<'a>> {
    let manifest = &head["aggregation"];
    let dimensions: Vec<&str> = manifest["dimensions"]
        .as_array()
        .map(|d| d.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let tiers: Vec<&str> = manifest["tiers"]
        .as_array()
        .map(|t| t.iter().filter_map(|t| t["name"].as_str()).collect())
        .unwrap_or_default();
    items(candidates)
        .iter()
        .enumerate()
        .map(|(position, c)| {
            let result = &c["result"];
            let ranked = result.is_object().then(|| Ranked {
                rank: result["rank"].as_u64().unwrap_or(0) as u32,
                tier: tiers
                    .iter()
                    .position(|t| result["tier"] == *t)
                    .unwrap_or(tiers.len()),
                fit: result["fit"].as_f64().unwrap_or(0.0),
                confidence: result["confidence"]
                    .as_str()
                    .and_then(Confidence::parse)
                    .map_or(Confidence::ALL.len(), Confidence::index),
            });
            let mut levels = vec![0; dimensions.len()];
            for score in items(&c["scores"]) {
                let d = dimensions.iter().position(|d| score["dimension"] == *d);
                let level = score["level"]
                    .as_str()
                    .and_then(|l| l.strip_prefix('L'))
                    .and_then(|l| l.parse::<u8>().ok());
                if let (Some(d), Some(level)) = (d, level) {
                    levels[d] = level;
                }
            }
            let rejections = items(&c["verdicts"])
                .iter()
                .filter(|v| v["eligible"] == false)
                .map(|v| {
                    (
                        v["module"].as_str().unwrap_or(""),
                        v["reason"].as_str().unwrap_or(""),
                    )
                })
                .collect();
            Row {
                position,
                name: c["name"].as_str().unwrap_or(""),
                ranked,
                levels,
                rejections,
            }
        })
        .collect()
}

/// The elements of a JSON array; none for anything else.
fn items(value: &Value) -> &[Value] {
    value.as_array().map_or(&[], Vec::as_slice)
}

/// The stored trace's JSON, exactly as written.
///
/// # Errors
///
/// An unknown encoding, or bytes that do not decode.
pub fn decode(row: &TraceRow) -> Result<Vec<u8>, Error> {
    open(row)?.to_json()
}

/// The JSON of one candidate of a stored trace (as it appears in the whole trace's
/// `candidates`), `None` when no candidate has that name. A paged trace reads its index
/// and that candidate's page alone.
///
/// # Errors
///
/// As [`decode`].
pub fn candidate(row: &TraceRow, name: &str) -> Result<Option<Vec<u8>>, Error> {
    open(row)?.candidate(name)
}
