//! Docker's `jsonmessage`: the progress stream of pull, import, load, build and push.
//! The CLI renders it, the HTTP server sends it as newline-delimited JSON, the C ABI hands each
//! one to the stream callback.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct JsonMessage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(rename = "progressDetail", skip_serializing_if = "Option::is_none")]
    pub progress_detail: Option<ProgressDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "errorDetail", skip_serializing_if = "Option::is_none")]
    pub error_detail: Option<ErrorDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aux: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressDetail {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub message: String,
}

impl JsonMessage {
    /// `{"stream": text}` — build output, `Loaded image: …`.
    pub fn stream(text: impl Into<String>) -> JsonMessage {
        JsonMessage { stream: Some(text.into()), ..Default::default() }
    }
    /// `{"status": text}`
    pub fn status(text: impl Into<String>) -> JsonMessage {
        JsonMessage { status: Some(text.into()), ..Default::default() }
    }
    /// `{"status": what, "id": id, "progressDetail": {current, total}}`
    pub fn progress(what: &str, id: &str, current: u64, total: Option<u64>) -> JsonMessage {
        JsonMessage {
            status: Some(what.to_string()),
            id: Some(id.to_string()),
            progress_detail: Some(ProgressDetail { current: Some(current), total }),
            ..Default::default()
        }
    }
    /// An error reported inside a stream that has already started (HTTP 200 already sent).
    pub fn error(e: &crate::Error) -> JsonMessage {
        JsonMessage {
            error: Some(e.message().to_string()),
            error_detail: Some(ErrorDetail { message: e.message().to_string() }),
            ..Default::default()
        }
    }
}
