//! How a trace is stored and read back: zstd-compressed [`Columns`] (or, for a trace whose
//! values do not fit them, and for traces stored before them, its JSON), with the
//! evaluation's wall times kept beside it rather than in it, so that the stored trace is
//! a pure function of the job's inputs (what `shortlist replay` compares byte for byte).
//! Reading gives back the trace's JSON as it was written; the API puts the wall times
//! back when it serves a trace.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Trace;
use super::columns::Columns;
use crate::store::TraceRow;

/// Encoding of a trace stored as its JSON.
pub const JSON_ENCODING: &str = "json+zstd";

/// Encoding of a trace stored as [`Columns`].
pub const COLUMNS_ENCODING: &str = "columns+zstd";

/// zstd level of stored traces: fast, and traces are very repetitive anyway.
const ZSTD_LEVEL: i32 = 3;

/// A stored trace that cannot be read.
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
}

/// A trace ready to store.
#[derive(Clone, Debug)]
pub struct Encoded {
    /// How `bytes` is encoded: [`COLUMNS_ENCODING`] or [`JSON_ENCODING`].
    pub encoding: &'static str,
    /// The compressed form.
    pub bytes: Vec<u8>,
    /// Size of the form before compression.
    pub raw_bytes: i64,
    /// The wall times, JSON, when measured.
    pub timings: Option<String>,
}

/// One module call's wall time, as stored beside the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct ModuleTime {
    module: String,
    wall_time_us: u64,
}

/// The JSON of a trace: the bytes that are stored, and that a replay must reproduce.
pub fn to_json(trace: &Trace) -> Vec<u8> {
    serde_json::to_vec(trace).expect("a trace serializes: every map key is a string")
}

/// Encodes a trace for storage, as columns when its values fit them, with the wall times
/// of its module calls (`wall_times[i]` is the call of `trace.modules[i]`). The trace's
/// texts move into the stored form.
pub fn encode(trace: Trace, wall_times: &[Duration]) -> Encoded {
    let timings = (!wall_times.is_empty()).then(|| {
        let times: Vec<ModuleTime> = trace
            .modules
            .iter()
            .zip(wall_times)
            .map(|(m, t)| ModuleTime {
                module: m.name.clone(),
                wall_time_us: t.as_micros() as u64,
            })
            .collect();
        serde_json::to_string(&times).expect("wall times serialize")
    });
    let (encoding, raw) = match Columns::of(trace) {
        Ok(columns) => (
            COLUMNS_ENCODING,
            serde_json::to_vec(&columns).expect("columns serialize"),
        ),
        Err(trace) => (JSON_ENCODING, to_json(&trace)),
    };
    Encoded {
        timings,
        ..compress(encoding, &raw)
    }
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

/// A stored trace, decompressed.
enum Decoded {
    Json(Vec<u8>),
    Columns(Box<Columns>),
}

fn decompress(row: &TraceRow) -> Result<Decoded, Error> {
    let damaged = |message: String| Error::Damaged {
        eval_id: row.eval_id.clone(),
        message,
    };
    let columns = match row.encoding.as_str() {
        JSON_ENCODING => false,
        COLUMNS_ENCODING => true,
        _ => {
            return Err(Error::UnknownEncoding {
                eval_id: row.eval_id.clone(),
                encoding: row.encoding.clone(),
            });
        }
    };
    let raw = zstd::bulk::decompress(&row.bytes, row.raw_bytes.max(0) as usize)
        .map_err(|e| damaged(e.to_string()))?;
    if !columns {
        return Ok(Decoded::Json(raw));
    }
    let columns: Columns = serde_json::from_slice(&raw).map_err(|e| damaged(e.to_string()))?;
    Ok(Decoded::Columns(Box::new(columns)))
}

/// The stored trace's JSON, exactly as written.
///
/// # Errors
///
/// An unknown encoding, or bytes that do not decompress.
pub fn decode(row: &TraceRow) -> Result<Vec<u8>, Error> {
    Ok(match decompress(row)? {
        Decoded::Json(json) => json,
        Decoded::Columns(columns) => columns.to_json(),
    })
}

/// The JSON of one candidate of a stored trace (as it appears in the whole trace's
/// `candidates`), `None` when no candidate has that name. A columnar trace builds that
/// candidate alone.
///
/// # Errors
///
/// As [`decode`].
pub fn candidate(row: &TraceRow, name: &str) -> Result<Option<Vec<u8>>, Error> {
    let damaged = |message: String| Error::Damaged {
        eval_id: row.eval_id.clone(),
        message,
    };
    match decompress(row)? {
        Decoded::Columns(columns) => Ok(columns
            .position(name)
            .and_then(|i| columns.candidate_at(i))
            .map(|c| serde_json::to_vec(&c).expect("a candidate serializes"))),
        Decoded::Json(json) => {
            let trace: Value = serde_json::from_slice(&json).map_err(|e| damaged(e.to_string()))?;
            Ok(trace["candidates"]
                .as_array()
                .and_then(|all| all.iter().find(|c| c["name"] == name))
                .map(|c| serde_json::to_vec(c).expect("a JSON value serializes")))
        }
    }
}

/// The trace as API clients read it: the stored JSON with each module's `wall_time_us`
/// put back and, when given, the webhook's delivery state as `webhook`.
///
/// # Errors
///
/// As [`decode`], or stored JSON or timings that do not parse.
pub fn render(row: &TraceRow, webhook: Option<Value>) -> Result<Vec<u8>, Error> {
    let json = decode(row)?;
    if row.timings.is_none() && webhook.is_none() {
        return Ok(json);
    }
    let damaged = |message: String| Error::Damaged {
        eval_id: row.eval_id.clone(),
        message,
    };
    let mut trace: Value = serde_json::from_slice(&json).map_err(|e| damaged(e.to_string()))?;
    if let Some(timings) = &row.timings {
        let times: Vec<ModuleTime> =
            serde_json::from_str(timings).map_err(|e| damaged(e.to_string()))?;
        if let Some(modules) = trace.get_mut("modules").and_then(Value::as_array_mut) {
            for (module, time) in modules.iter_mut().zip(times) {
                if let Some(module) = module.as_object_mut() {
                    module.insert("wall_time_us".to_owned(), time.wall_time_us.into());
                }
            }
        }
    }
    if let (Some(webhook), Some(object)) = (webhook, trace.as_object_mut()) {
        object.insert("webhook".to_owned(), webhook);
    }
    Ok(serde_json::to_vec(&trace).expect("a JSON value serializes"))
}
