//! How a trace is stored and read back: the trace's JSON, zstd-compressed, with the
//! evaluation's wall times kept beside it rather than in it, so that the stored trace is
//! a pure function of the job's inputs (what `shortlist replay` compares byte for byte).
//! The API puts the wall times back when it serves a trace.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Trace;
use crate::store::TraceRow;

/// Encoding of stored traces.
pub const ENCODING: &str = "json+zstd";

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
    /// How `bytes` is encoded: [`ENCODING`].
    pub encoding: &'static str,
    /// The compressed JSON.
    pub bytes: Vec<u8>,
    /// Size of the JSON.
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

/// Compresses a trace's JSON and pairs it with the wall times of its module calls
/// (`wall_times[i]` is the call of `trace.modules[i]`).
pub fn encode(json: &[u8], trace: Option<&Trace>, wall_times: &[Duration]) -> Encoded {
    let timings = trace.filter(|_| !wall_times.is_empty()).map(|trace| {
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
    Encoded {
        encoding: ENCODING,
        bytes: zstd::bulk::compress(json, ZSTD_LEVEL).expect("zstd compresses from memory"),
        raw_bytes: json.len() as i64,
        timings,
    }
}

/// The stored trace's JSON, exactly as written.
///
/// # Errors
///
/// An unknown encoding, or bytes that do not decompress.
pub fn decode(row: &TraceRow) -> Result<Vec<u8>, Error> {
    if row.encoding != ENCODING {
        return Err(Error::UnknownEncoding {
            eval_id: row.eval_id.clone(),
            encoding: row.encoding.clone(),
        });
    }
    zstd::bulk::decompress(&row.bytes, row.raw_bytes.max(0) as usize).map_err(|e| Error::Damaged {
        eval_id: row.eval_id.clone(),
        message: e.to_string(),
    })
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
