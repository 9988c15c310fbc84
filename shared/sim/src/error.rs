//! The simulator's one error type. The CLI wraps it in `anyhow` at the edge.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Trace { path: PathBuf, message: String },
    #[error("configuration: {0}")]
    Config(String),
}

impl SimError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> SimError {
        SimError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn parse(
        path: impl Into<PathBuf>,
        line: usize,
        message: impl Into<String>,
    ) -> SimError {
        SimError::Parse {
            path: path.into(),
            line,
            message: message.into(),
        }
    }

    pub(crate) fn trace(path: impl Into<PathBuf>, message: impl Into<String>) -> SimError {
        SimError::Trace {
            path: path.into(),
            message: message.into(),
        }
    }
}
